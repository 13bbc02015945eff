// Where past.ts jobs run, behind the fair scheduler (scheduler.ts). In production, in a pool of worker threads
// (node:worker_threads; one on two cores) that open the store themselves: a fold of a 100,000-event contract then
// costs the event loop nothing, and another organisation's reads go on while it runs. Inline (in this thread,
// giving way between pages of the log) where the store is an object given to the app, as in the in-process tests.
import { Worker } from 'node:worker_threads';
import type { EventStore } from '@csu-ledger/event-store';
import type { Logger } from '@csu-ledger/http';
import type { CurrentReader } from './current-reader.ts';
import { runJob, type Job, type JobResult } from './past.ts';
import { createScheduler, type Scheduler, type SchedulerOptions, type SchedulerStats } from './scheduler.ts';
import { createDecodedLog } from './decoded-log.ts';
import { createSnapshotCache } from './snapshots.ts';

export interface PastRunner {
  /** Runs the job in its organisation's turn; rejects with 429/503 (HttpError) when it cannot be admitted. */
  run(org: string, job: Job, signal?: AbortSignal): Promise<JobResult>;
  stats(): SchedulerStats & { where: 'inline' | 'workers'; workers: number };
  close(): Promise<void>;
}

const giveWay = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Jobs in this thread, one at a time, pausing between pages of the log; `current`: the read models. */
export const createInlineRunner = (
  store: EventStore,
  options: SchedulerOptions = {},
  current?: CurrentReader,
): PastRunner => {
  const scheduler: Scheduler = createScheduler({ ...options, concurrency: 1 });
  const snapshots = createSnapshotCache();
  const decoded = createDecodedLog();
  return {
    run: (org, job, signal) =>
      scheduler.submit(org, () => runJob(store, job, { pause: giveWay, snapshots, current, decoded }), signal),
    stats: () => ({ ...scheduler.stats(), where: 'inline', workers: 0 }),
    close: () => Promise.resolve(),
  };
};

export interface WorkerRunnerOptions extends SchedulerOptions {
  /** LEDGER_STORE: each worker opens the store itself. */
  storeSpec: string;
  /** The read models' file, which each worker opens read-only for the history and large contracts' views now. */
  readModels: string;
  /** Worker threads; default 1 (on two cores: one for the event loop, one for folds). */
  workers?: number;
  logger: Logger;
  snapshots?: { every?: number; budget?: number };
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy?: { id: number; done: (r: JobResult) => void } | undefined;
}

const failed = (detail: string): JobResult => ({
  ok: false,
  status: 500,
  code: 'internal',
  detail: 'Something went wrong on our side; quote the correlation id when reporting it.',
  log: detail,
});

export const createWorkerRunner = (options: WorkerRunnerOptions): PastRunner => {
  const size = options.workers ?? 1;
  const scheduler = createScheduler({ ...options, concurrency: size });
  let nextId = 0;
  let closing = false;
  const slots: Slot[] = [];

  const spawn = (index: number): Slot => {
    const worker = new Worker(new URL('./fold-worker.ts', import.meta.url), {
      workerData: { storeSpec: options.storeSpec, readModels: options.readModels, snapshots: options.snapshots },
    });
    let started: () => void = () => undefined;
    const slot: Slot = { worker, ready: new Promise<void>((resolve) => (started = resolve)) };
    worker.on('message', (m: { ready: true } | { id: number; result: JobResult }) => {
      if ('ready' in m) return started();
      if (slot.busy?.id === m.id) {
        const { done } = slot.busy;
        slot.busy = undefined;
        done(m.result);
      }
    });
    const lost = (why: string): void => {
      if (slot.busy) slot.busy.done(failed(`fold worker ${index} stopped during a job: ${why}`));
      slot.busy = undefined;
      if (closing) return;
      options.logger.error({ worker: index, why }, 'fold worker stopped; starting another');
      // Replace it after a moment, so a worker that cannot start (a bad store) does not spin.
      setTimeout(() => {
        if (!closing) slots[index] = spawn(index);
      }, 1_000).unref();
      started(); // let a job waiting on readiness fail fast on the dead worker rather than hang
    };
    worker.on('error', (err: Error) => lost(err.stack ?? err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    return slot;
  };
  for (let i = 0; i < size; i += 1) slots.push(spawn(i));

  /** The scheduler never runs more jobs than workers, so an idle worker is always there when one starts. */
  const exec = async (job: Job): Promise<JobResult> => {
    const slot = slots.find((s) => !s.busy);
    if (!slot) return failed('no idle fold worker');
    const id = ++nextId;
    const result = new Promise<JobResult>((done) => (slot.busy = { id, done }));
    await slot.ready;
    if (slot.busy?.id === id) slot.worker.postMessage({ id, job });
    return result;
  };

  return {
    run: (org, job, signal) => scheduler.submit(org, () => exec(job), signal),
    stats: () => ({ ...scheduler.stats(), where: 'workers', workers: size }),
    close: async () => {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
};
