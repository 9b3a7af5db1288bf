import { Worker } from 'node:worker_threads';

/**
 * A few worker threads running one script, each handling one request at a time; requests wait
 * in a bounded queue. Workers start on demand, end after a while idle (they hold memory) and are
 * replaced when they crash or overrun the time limit. Idle workers never keep the process alive.
 */
export interface WorkerPoolOptions {
  /** Most requests handled at once (= most worker threads). */
  concurrency: number;
  /** Most requests waiting for a worker; more are refused with PoolBusy. */
  maxQueue: number;
  /** A request running longer than this is abandoned and its worker ended. */
  timeoutMs: number;
  /** A worker idle this long ends. */
  idleMs: number;
}

export class PoolBusy extends Error {
  constructor() {
    super('all workers are busy and the queue is full');
    this.name = 'PoolBusy';
  }
}

export class PoolTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'PoolTimeout';
  }
}

interface Job<Out> {
  id: number;
  message: object;
  resolve(value: Out): void;
  reject(error: Error): void;
}

interface Slot<Out> {
  worker: Worker;
  job?: Job<Out>;
  timer?: NodeJS.Timeout;
}

export class WorkerPool<In extends object, Out> {
  private readonly slots = new Set<Slot<Out>>();
  private readonly queue: Job<Out>[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly script: URL,
    private readonly options: WorkerPoolOptions,
  ) {}

  /** Sends `message` (plus an `id`) to a worker; resolves with the worker's `{ id, ...answer }` less the id. */
  run(message: In): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(new PoolBusy());
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, message, resolve, reject });
      this.pump();
    });
  }

  /** How many workers exist, how many are busy, how many requests wait. */
  stats(): { workers: number; busy: number; queued: number } {
    const busy = [...this.slots].filter((slot) => slot.job).length;
    return { workers: this.slots.size, busy, queued: this.queue.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the worker pool is closed'));
    await Promise.all([...this.slots].map((slot) => this.retire(slot, new Error('the worker pool is closed'))));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => !s.job);
      if (!slot) {
        if (this.slots.size >= this.options.concurrency) return;
        slot = this.spawn();
      }
      this.assign(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot<Out> {
    const worker = new Worker(this.script);
    worker.unref();
    const slot: Slot<Out> = { worker };
    this.slots.add(slot);
    worker.on('message', (answer: { id: number } & Record<string, unknown>) => {
      const job = slot.job;
      if (!job || answer.id !== job.id) return;
      this.finish(slot);
      const { id: _id, ...rest } = answer;
      job.resolve(rest as Out);
      this.pump();
    });
    worker.on('error', (error) => void this.retire(slot, error));
    worker.on('exit', (code) => void this.retire(slot, new Error(`worker exited with code ${code}`)));
    return slot;
  }

  private assign(slot: Slot<Out>, job: Job<Out>): void {
    clearTimeout(slot.timer);
    slot.job = job;
    // Only a busy worker keeps the process alive, so a request in flight is not cut off at exit.
    slot.worker.ref();
    slot.timer = setTimeout(() => void this.retire(slot, new PoolTimeout(this.options.timeoutMs)), this.options.timeoutMs);
    slot.worker.postMessage({ ...job.message, id: job.id });
  }

  private finish(slot: Slot<Out>): void {
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.worker.unref();
    slot.timer = setTimeout(() => void this.retire(slot), this.options.idleMs);
    slot.timer.unref();
  }

  /** Ends a worker (idle, crashed or overrunning): its request, if any, fails with `error`. */
  private async retire(slot: Slot<Out>, error?: Error): Promise<void> {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = undefined;
    if (job) job.reject(error ?? new Error('worker ended'));
    await slot.worker.terminate();
    if (!this.closed) this.pump();
  }
}
