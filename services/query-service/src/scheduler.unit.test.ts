// The fair scheduler behind time travel and history (issue 9, item 4): jobs of many organisations take turns, one
// organisation's excess is refused 429 with Retry-After, a full service 503, a client that left is dropped.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '@csu-ledger/http';
import { createScheduler } from './scheduler.ts';

/** A job that finishes when the test says so, recording when it started. */
const gate = (log: string[], name: string) => {
  let open: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (open = resolve));
  return {
    task: async () => {
      log.push(name);
      await done;
      return name;
    },
    open: () => open(),
  };
};

const refusal = async (p: Promise<unknown>): Promise<HttpError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => vi.useRealTimers());

describe('createScheduler', () => {
  it('runs one job at a time and gives each organisation a turn in rotation, however many one has queued', async () => {
    const log: string[] = [];
    const s = createScheduler({ concurrency: 1, perKeyQueue: 10 });
    const jobs = ['A1', 'A2', 'A3', 'A4', 'B1', 'B2', 'C1'].map((n) => ({ n, g: gate(log, n) }));
    const results = jobs.map(({ n, g }) => s.submit(n[0]!, g.task));
    for (let i = 0; i < jobs.length; i += 1) {
      await settle();
      expect(s.stats().running).toBe(1);
      jobs.find((j) => j.n === log.at(-1))!.g.open(); // finish the one running; the next starts
    }
    await Promise.all(results);
    // A1 was running when the rest arrived; then one of each in turn.
    expect(log).toEqual(['A1', 'A2', 'B1', 'C1', 'A3', 'B2', 'A4']);
  });

  it('refuses an organisation’s job beyond its queue with 429 and Retry-After; others still get in', async () => {
    const log: string[] = [];
    const s = createScheduler({ concurrency: 1, perKeyQueue: 2, totalQueue: 10 });
    const first = gate(log, 'A0');
    const running = s.submit('A', first.task);
    const queued = [gate(log, 'A1'), gate(log, 'A2')];
    const waiting = queued.map((g) => s.submit('A', g.task));
    const refused = await refusal(s.submit('A', gate(log, 'A3').task));
    expect(refused.status).toBe(429);
    expect(refused.code).toBe('rate-limited');
    expect(Number(refused.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
    const other = gate(log, 'B1');
    const b = s.submit('B', other.task);
    first.open();
    await running;
    await settle();
    expect(log).toEqual(['A0', 'A1']);
    queued[0]!.open();
    await waiting[0];
    await settle();
    expect(log.at(-1)).toBe('B1'); // B's turn before A's second queued job
    other.open();
    queued[1]!.open();
    await Promise.all([b, waiting[1]]);
    expect(s.stats().refused.limited).toBe(1);
  });

  it('refuses any job with 503 and Retry-After once the queues hold totalQueue jobs', async () => {
    const log: string[] = [];
    const s = createScheduler({ concurrency: 1, perKeyQueue: 5, totalQueue: 2 });
    const g = gate(log, 'A0');
    const run = s.submit('A', g.task);
    const q = [s.submit('B', gate(log, 'B').task), s.submit('C', gate(log, 'C').task)];
    const refused = await refusal(s.submit('D', gate(log, 'D').task));
    expect(refused.status).toBe(503);
    expect(refused.code).toBe('not-ready');
    expect(refused.headers?.['Retry-After']).toMatch(/^\d+$/);
    g.open();
    await run;
    await settle();
    expect(log).toEqual(['A0', 'B']);
    expect(q).toHaveLength(2);
  });

  it('drops a queued job whose client went away, and refuses one that waited too long with 503', async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const s = createScheduler({ concurrency: 1, maxWaitMs: 1_000 });
    const g = gate(log, 'A0');
    const run = s.submit('A', g.task);
    const controller = new AbortController();
    const gone = s.submit('B', gate(log, 'B').task, controller.signal);
    controller.abort();
    await expect(gone).rejects.toThrow(/went away/);
    const late = s.submit('C', gate(log, 'C').task);
    vi.advanceTimersByTime(1_001);
    const refused = await refusal(late);
    expect(refused.status).toBe(503);
    expect(s.stats()).toMatchObject({ queued: 0, running: 1, refused: { abandoned: 1, expired: 1 } });
    g.open();
    await run;
    expect(log).toEqual(['A0']);
  });

  it('reports a failing job’s error to its caller and goes on with the next', async () => {
    const s = createScheduler();
    await expect(s.submit('A', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(s.submit('A', () => Promise.resolve(42))).resolves.toBe(42);
    expect(s.stats().running).toBe(0);
  });
});
