// Group commit of the KurrentDB adapter (group-commit.ts), against a scripted connection: what goes into one
// AppendRecords call, and how its answer is taken apart again.
import { describe, expect, it } from 'vitest';
import type { AppendOutcome, KurrentConnection } from './client.ts';
import { groupCommit } from './group-commit.ts';
import type { ServerRecord, StateCheck } from './records.ts';

const record = (stream: string): ServerRecord => ({
  stream,
  id: crypto.randomUUID(),
  type: 'T',
  data: {},
  properties: {},
});
const check = (stream: string): StateCheck => ({ stream, expected: 'no-stream' });

/** A connection whose AppendRecords answers come from `answer`, each call held until the test lets it go. */
const scripted = (
  answer: (records: readonly ServerRecord[], checks: readonly StateCheck[]) => AppendOutcome | Error,
) => {
  const calls: { streams: string[]; release: () => void }[] = [];
  const connection = {
    appendRecords: (records: readonly ServerRecord[], checks: readonly StateCheck[]) =>
      new Promise<AppendOutcome>((resolve, reject) => {
        calls.push({
          streams: records.map((r) => r.stream),
          release: () => {
            const outcome = answer(records, checks);
            if (outcome instanceof Error) reject(outcome);
            else resolve(outcome);
          },
        });
      }),
  } as Pick<KurrentConnection, 'appendRecords'>;
  return { connection: connection as KurrentConnection, calls };
};
const written = (records: readonly ServerRecord[]): AppendOutcome => ({
  kind: 'written',
  revisions: new Map(records.map((r) => [r.stream, 0n])),
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('sends appends that arrive while a call is under way together, once it returns, and reads the newest once', async () => {
    const { connection, calls } = scripted(written);
    let reads = 0;
    const { commit } = groupCommit(connection, () => ((reads += 1), Promise.resolve([])), 8);
    const first = commit([record('a')], [check('a')], 1);
    await tick();
    const rest = ['b', 'c', 'd'].map((s) => commit([record(s)], [check(s)], 1));
    await tick();
    expect(calls.map((c) => c.streams)).toEqual([['a']]);
    calls[0]?.release();
    await first;
    await tick();
    expect(calls.map((c) => c.streams)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1]?.release();
    const outcomes = await Promise.all(rest);
    for (const o of outcomes) if (o.kind === 'written') await o.newest(3 + 8);
    expect(reads).toBe(1);
  });

  it('keeps apart appends that share a stream, as the server compares names: ignoring case', async () => {
    const { connection, calls } = scripted(written);
    const { commit } = groupCommit(connection, () => Promise.resolve([]), 8);
    const pending = [commit([record('x')], [], 1)];
    await tick();
    pending.push(
      commit([record('Contract-1')], [], 1),
      commit([record('contract-1')], [], 1),
      commit([record('y')], [], 1),
    );
    await tick();
    for (let i = 0; i < 3; i += 1) {
      calls[i]?.release();
      await tick();
    }
    await Promise.all(pending);
    expect(calls.map((c) => c.streams)).toEqual([['x'], ['Contract-1', 'y'], ['contract-1']]);
  });

  it('gives each append only its own violations, and sends the others again, since they were not written', async () => {
    const { connection, calls } = scripted((records, checks) =>
      checks.some((k) => k.stream === 'taken')
        ? { kind: 'violated', violations: [{ stream: 'taken', actual: 0n }] }
        : written(records),
    );
    const { commit } = groupCommit(connection, () => Promise.resolve([]), 8);
    const blocker = commit([record('z')], [], 1);
    await tick();
    const refused = commit([record('taken')], [check('taken')], 1);
    const other = commit([record('free')], [check('free')], 1);
    await tick();
    calls[0]?.release();
    await blocker;
    await tick();
    calls[1]?.release();
    expect(await refused).toEqual({ kind: 'violated', violations: [{ stream: 'taken', actual: 0n }] });
    await tick();
    expect(calls[2]?.streams).toEqual(['free']);
    calls[2]?.release();
    expect((await other).kind).toBe('written');
  });

  it('sends each append of a batch alone after an error that names none of them, and leaves open what had no answer', async () => {
    const { connection, calls } = scripted((records) =>
      records.some((r) => r.stream === 'huge') ? new Error('Transaction size exceeded') : written(records),
    );
    const { commit } = groupCommit(connection, () => Promise.resolve([]), 8);
    const blocker = commit([record('z')], [], 1);
    await tick();
    const huge = commit([record('huge')], [], 1);
    const small = commit([record('small')], [], 1);
    huge.catch(() => undefined);
    await tick();
    calls[0]?.release();
    await blocker;
    for (let i = 1; i < 4; i += 1) {
      await tick();
      calls[i]?.release();
    }
    await expect(huge).rejects.toThrow(/size/);
    expect((await small).kind).toBe('written');
    expect(calls.map((c) => c.streams)).toEqual([['z'], ['huge', 'small'], ['huge'], ['small']]);

    const silent = scripted(() => ({ kind: 'unknown', reason: 'deadline' }));
    const both = groupCommit(silent.connection, () => Promise.resolve([]), 8);
    const answers = [both.commit([record('p')], [], 1), both.commit([record('q')], [], 1)];
    await tick();
    silent.calls[0]?.release();
    await tick();
    silent.calls[1]?.release();
    expect((await Promise.all(answers)).map((a) => a.kind)).toEqual(['unknown', 'unknown']);
  });
});
