import type { Logger } from 'pino';

export interface Poller {
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs`, never overlapping itself; a failure is logged and the next tick
 * still comes. `stop` waits for a run in progress.
 */
export function startPoller(name: string, work: () => Promise<unknown>, intervalMs: number, logger: Logger): Poller {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = work()
      .catch((error: unknown) => logger.error({ err: error, poller: name }, 'background work failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
