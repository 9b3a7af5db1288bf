import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * In-process domain events, emitted after the change has committed (live screens, other modules'
 * reactions). A listener's failure is logged and never reaches the emitter.
 */
export class EventBus<Events extends { [K in keyof Events]: object }> {
  private readonly emitter = new EventEmitter();

  constructor(private readonly logger: Logger) {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends keyof Events & string>(name: K, payload: Events[K]): void {
    for (const listener of this.emitter.listeners(name)) {
      try {
        const result = (listener as (p: Events[K]) => unknown)(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.logger.error({ err: error, event: name }, 'event listener failed'));
      } catch (error) {
        this.logger.error({ err: error, event: name }, 'event listener failed');
      }
    }
  }

  on<K extends keyof Events & string>(name: K, listener: (payload: Events[K]) => unknown): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
