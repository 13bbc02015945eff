// Fair admission for the reads that cost (issue 9, item 4: one organisation must not stall the query service for
// all): time travel and history pages. Jobs queue per organisation and run round-robin across organisations, a few
// at a time (as many as there are workers) and at most `perKeyConcurrency` of one organisation's at once. Queues are
// bounded: an organisation with `perKeyQueue` jobs waiting is told 429 to come back later (its own excess), and when
// `totalQueue` jobs wait in all, or one has waited `maxWaitMs`, the answer is 503 (the service is busy); both carry
// Retry-After. A job whose client went away before it started is dropped.
import { HttpError } from '@csu-ledger/http';

export interface SchedulerOptions {
  /** Jobs running at once (the worker pool's size). Default 1. */
  concurrency?: number;
  /** Jobs of one organisation running at once. Default 1. */
  perKeyConcurrency?: number;
  /** Jobs of one organisation waiting to start; beyond it, 429. Default 8. */
  perKeyQueue?: number;
  /** Jobs waiting in all; beyond it, 503. Default 128. */
  totalQueue?: number;
  /** Longest wait to start; after it, 503. Default 10 s. */
  maxWaitMs?: number;
}

export interface SchedulerStats {
  running: number;
  queued: number;
  /** Per organisation: jobs running and waiting. */
  keys: Record<string, { running: number; queued: number }>;
  /** Jobs refused since start: 429 (an organisation's queue full), 503 (all queues full, or waited too long). */
  refused: { limited: number; busy: number; expired: number; abandoned: number };
  /** Mean job duration lately (ms), what Retry-After is estimated from. */
  meanMs: number;
  /** Jobs run to the end (answered or failed) since start. */
  done: number;
}

export interface Scheduler {
  /** Runs `task` when its turn comes; rejects with an HttpError (429/503) when it cannot be admitted or waited too long. */
  submit<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  stats(): SchedulerStats;
}

interface Waiting {
  key: string;
  start: () => void;
  timer: ReturnType<typeof setTimeout>;
  abandon?: () => void;
  signal?: AbortSignal | undefined;
}

export const createScheduler = (options: SchedulerOptions = {}): Scheduler => {
  const concurrency = options.concurrency ?? 1;
  const perKeyConcurrency = options.perKeyConcurrency ?? 1;
  const perKeyQueue = options.perKeyQueue ?? 8;
  const totalQueue = options.totalQueue ?? 128;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  /** Keys with jobs waiting, in the order they get a turn; each key's FIFO queue. */
  const queues = new Map<string, Waiting[]>();
  const runningByKey = new Map<string, number>();
  let running = 0;
  let queued = 0;
  let meanMs = 50;
  let done = 0;
  const refused = { limited: 0, busy: 0, expired: 0, abandoned: 0 };

  const retryAfter = (ahead: number): string =>
    String(Math.max(1, Math.ceil(((ahead + 1) * meanMs) / (Math.min(concurrency, perKeyConcurrency) * 1000))));

  const remove = (w: Waiting): void => {
    const q = queues.get(w.key);
    const i = q?.indexOf(w) ?? -1;
    if (!q || i < 0) return;
    q.splice(i, 1);
    queued -= 1;
    if (q.length === 0) queues.delete(w.key);
    clearTimeout(w.timer);
    if (w.abandon) w.signal?.removeEventListener('abort', w.abandon);
  };

  /** Starts waiting jobs while there is room: one per organisation in turn (Map order; a served key goes last). */
  const pump = (): void => {
    while (running < concurrency) {
      let next: Waiting | undefined;
      for (const [key, q] of queues) {
        if ((runningByKey.get(key) ?? 0) < perKeyConcurrency) {
          next = q[0];
          break;
        }
      }
      if (!next) return;
      remove(next);
      const rest = queues.get(next.key);
      if (rest) {
        queues.delete(next.key); // to the back of the round
        queues.set(next.key, rest);
      }
      next.start();
    }
  };

  return {
    submit: <T>(key: string, task: () => Promise<T>, signal?: AbortSignal) =>
      new Promise<T>((resolve, reject) => {
        const own = queues.get(key)?.length ?? 0;
        if (own >= perKeyQueue) {
          refused.limited += 1;
          reject(
            new HttpError(
              'rate-limited',
              `your organisation already has ${own} history or time-travel reads waiting; try again later`,
              {
                headers: { 'Retry-After': retryAfter(own) },
              },
            ),
          );
          return;
        }
        if (queued >= totalQueue) {
          refused.busy += 1;
          reject(
            new HttpError('not-ready', 'the service is busy with history and time-travel reads; try again later', {
              headers: { 'Retry-After': retryAfter(queued) },
            }),
          );
          return;
        }
        const w: Waiting = {
          key,
          signal,
          start: () => {
            running += 1;
            runningByKey.set(key, (runningByKey.get(key) ?? 0) + 1);
            const began = performance.now();
            const finish = (): void => {
              running -= 1;
              done += 1;
              const left = (runningByKey.get(key) ?? 1) - 1;
              if (left === 0) runningByKey.delete(key);
              else runningByKey.set(key, left);
              meanMs = meanMs * 0.8 + (performance.now() - began) * 0.2;
              pump();
            };
            let started: Promise<T>;
            try {
              started = task();
            } catch (err) {
              started = Promise.reject(err instanceof Error ? err : new Error(String(err)));
            }
            started.then(
              (value) => {
                finish();
                resolve(value);
              },
              (err: unknown) => {
                finish();
                reject(err instanceof Error ? err : new Error(String(err)));
              },
            );
          },
          timer: setTimeout(() => {
            refused.expired += 1;
            remove(w);
            reject(
              new HttpError(
                'not-ready',
                `waited ${maxWaitMs} ms for a turn among other history and time-travel reads; try again later`,
                {
                  headers: { 'Retry-After': retryAfter(queued) },
                },
              ),
            );
          }, maxWaitMs),
        };
        w.timer.unref?.();
        if (signal) {
          w.abandon = () => {
            refused.abandoned += 1;
            remove(w);
            reject(new Error('the client went away before its read started'));
          };
          signal.addEventListener('abort', w.abandon, { once: true });
        }
        const q = queues.get(key) ?? [];
        q.push(w);
        queues.set(key, q);
        queued += 1;
        pump();
      }),
    stats: () => {
      const keys: SchedulerStats['keys'] = {};
      for (const [k, n] of runningByKey) keys[k] = { running: n, queued: 0 };
      for (const [k, q] of queues) keys[k] = { running: runningByKey.get(k) ?? 0, queued: q.length };
      return { running, queued, keys, refused: { ...refused }, meanMs: Math.round(meanMs), done };
    },
  };
};
