// One append of the port as one AppendRecords commit (KurrentDB 26.1): the event-id claims, the events, the
// stream-group index entries of a new stream, and the checks: no claim exists yet, the expected revision, and, for a
// guarded append (unchangedGroup), every stream of the group at the revision it had at or before the guard's position
// plus the group's index unchanged. Either all of it is committed or none of it (docs/decisions/0001-atomic-approval.md).
//
// When no answer comes (the server silently drops a write whose identical twin is not yet replicated; a deadline; a
// leader change), the claims say what happened: this call's commit, another's with the same ids (a duplicate), or
// nothing yet, and then the same commit is asked again, which the server takes as a no-op if it landed meanwhile.
import { ConcurrencyError, type AppendOptions, type AppendResult, type NewEvent, type RecordedEvent } from '../port.ts';
import type { KurrentConnection, Violation } from './client.ts';
import { eventIdClaims, type Resolution } from './event-id-claims.ts';
import type { GroupCommit } from './group-commit.ts';
import { READ_CONCURRENCY, indexEntries, mapLimited, readGroupIndex } from './group-index.ts';
import { checkBatch, checkExpectedRevision, groupIndexStream, wrongRevision, type ServerEvent } from './mapping.ts';
import { LOOKBACK, toServerRecord, type ServerRecord, type StateCheck } from './records.ts';

export interface AppendContext {
  connection: KurrentConnection;
  prefix: string;
  server(name: string): string;
  /** Server events as the port's, times clamped (esdb-event-store.ts), helped by a read of the newest if made. */
  recorded(events: ServerEvent[], newest?: { events: ServerEvent[]; limit: number }): Promise<RecordedEvent[]>;
  /** The newest `limit` events of the deployment's streams, newest first. */
  newest: (limit: number) => Promise<ServerEvent[]>;
  /** Sends records and checks, in one AppendRecords call, maybe with other appends' (group-commit.ts). */
  commit: GroupCommit['commit'];
  /** How long to keep asking for the outcome of a commit that went unanswered; default 60 s. */
  outcomeBudgetMs?: number | undefined;
}

interface Plan {
  records: ServerRecord[];
  checks: StateCheck[];
  /** Where the target stream's check came from: the caller's expected revision, or the adapter's own. */
  target: 'port' | 'creation' | 'group' | 'none';
}

/** Thrown by planning when the group has already changed: nothing to write. */
class GroupChanged extends Error {}

/** Appends by others that may follow this one before it reads itself back among the newest events of the log. */
export const LATER_APPENDS = 8;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const appendToServer = async (
  ctx: AppendContext,
  name: string,
  events: NewEvent[],
  options: AppendOptions,
): Promise<AppendResult> => {
  const { connection: c, prefix } = ctx;
  const expected = checkExpectedRevision(options.expectedRevision);
  const ids = checkBatch(events);
  const target = ctx.server(name);
  const claims = eventIdClaims(c, prefix, name, ids);
  const held = new Set<string>();
  const records = events.map((e) => toServerRecord(target, e));
  let entries: ServerRecord[] | undefined; // fixed for the call, so that asking again is the server's no-op
  const budget = Date.now() + (ctx.outcomeBudgetMs ?? 60_000);

  /**
   * The events just committed, from revision `first`. Usually they are among the newest of the log, which also hold
   * the events just before them that their recorded times are clamped to: one read. Otherwise, the stream's.
   */
  const readBack = async (
    first: bigint,
    readNewest: (limit: number) => Promise<ServerEvent[]> = ctx.newest,
  ): Promise<AppendResult> => {
    const limit = events.length + LOOKBACK + LATER_APPENDS;
    const newest = await readNewest(limit);
    const last = first + BigInt(events.length - 1);
    const mine = newest.filter((e) => e.streamId === target && e.revision >= first && e.revision <= last).reverse();
    const found = mine.length === events.length && mine.every((e, i) => e.revision === first + BigInt(i));
    const stored = await ctx.recorded(
      found ? mine : await c.readStream(target, first < 0n ? 0n : first, events.length),
      { events: newest, limit },
    );
    if (stored.map((e) => e.eventId.toLowerCase()).join() !== ids.join()) {
      throw new Error(`appended to ${name} at revision ${first}, but other events are stored there`);
    }
    return { duplicate: false, events: stored, nextRevision: stored.at(-1)?.revision ?? -1 };
  };
  const findOurs = async (): Promise<AppendResult> => {
    const stream = await ctx.recorded(
      await c.readStream(target, typeof expected === 'number' ? BigInt(expected + 1) : 0n),
    );
    const at = stream.findIndex((e) => e.eventId.toLowerCase() === ids[0]);
    return readBack(BigInt(stream[at]?.revision ?? -1));
  };
  const settle = async (resolution: Resolution): Promise<AppendResult | undefined> => {
    if (resolution.kind === 'ours') return findOurs();
    if (resolution.kind === 'stored') {
      const last = await c.lastEvent(target);
      return { duplicate: true, events: resolution.events, nextRevision: Number(last?.revision ?? -1n) };
    }
    if (resolution.kind === 'held') for (const id of resolution.ids) held.add(id);
    return undefined;
  };
  const plan = async (): Promise<Plan> => {
    const claimed = claims.records(held);
    const checks = [...claimed.checks];
    let check: Plan['target'] = 'none';
    if (expected === 'no-stream' || typeof expected === 'number') {
      check = 'port';
      checks.push({ stream: target, expected: expected === 'no-stream' ? 'no-stream' : BigInt(expected) });
    } else if ((await c.lastEvent(target)) === undefined) {
      check = 'creation'; // 'any' on a new stream: it is created here, so it goes into the group index too
      checks.push({ stream: target, expected: 'no-stream' });
    }
    const creates = expected === 'no-stream' || check === 'creation';
    entries ??= creates ? indexEntries(prefix, name) : undefined;
    const out: ServerRecord[] = [...claimed.records, ...records, ...(creates ? (entries ?? []) : [])];
    const group = options.unchangedGroup;
    if (group) {
      const index = await readGroupIndex(c, prefix, group.streamPrefix);
      const members = [group.streamPrefix, ...index.members];
      const lasts = await mapLimited(members, READ_CONCURRENCY, (m) => c.lastEvent(ctx.server(m)));
      if (lasts.some((e) => (e?.position?.commit ?? 0n) > group.afterPosition)) throw new GroupChanged();
      members.forEach((member, i) => {
        const stream = ctx.server(member);
        const state = lasts[i]?.revision ?? 'no-stream';
        if (stream !== target) checks.push({ stream, expected: state });
        else if (check === 'none') {
          check = 'group';
          checks.push({ stream, expected: state });
        }
      });
      checks.push({ stream: groupIndexStream(prefix, group.streamPrefix), expected: index.revision });
    }
    return { records: out, checks, target: check };
  };

  const refusal = async (reason: 'group' | Violation): Promise<never> => {
    if (reason !== 'group')
      throw wrongRevision(name, expected, reason.actual === 'deleted' ? 'no-stream' : reason.actual);
    const last = (await c.lastEvent(target))?.revision;
    throw new ConcurrencyError(name, expected, last === undefined ? 'no-stream' : Number(last), 'group-changed');
  };

  // A plan whose commit went unanswered is asked again as it is, never planned anew, until a definite answer: if it
  // landed, the server answers the same records with its no-op; if not, its checks say why, as of when it was made.
  let unanswered: Plan | undefined;
  for (let attempt = 0; ; attempt += 1) {
    let planned = unanswered;
    if (!planned) {
      try {
        planned = await plan();
      } catch (error) {
        if (error instanceof GroupChanged) return refusal('group');
        throw error;
      }
    }
    const outcome = await ctx.commit(planned.records, planned.checks, events.length);
    if (outcome.kind === 'written') {
      const last = outcome.revisions.get(target);
      if (last === undefined) throw new Error(`the server wrote to ${name} but did not say at which revision`);
      return readBack(last - BigInt(events.length - 1), outcome.newest);
    }
    unanswered = outcome.kind === 'unknown' ? planned : undefined;
    if (outcome.kind === 'violated' && !outcome.violations.some((v) => claims.isClaimStream(v.stream))) {
      const onTarget = outcome.violations.find((v) => v.stream === target);
      if (onTarget && planned.target === 'port') return refusal(onTarget);
      if (onTarget && planned.target === 'creation') continue; // created meanwhile: 'any' appends all the same
      return refusal('group');
    }
    // Claims exist already, or no answer came: what do the claims say?
    const existing = outcome.kind === 'violated' ? new Set(outcome.violations.map((v) => v.stream)) : undefined;
    const resolution = await claims.resolve(held, existing, async () => ctx.recorded(await c.readStream(target, 0n)));
    const answer = await settle(resolution);
    if (answer) return answer;
    if (resolution.kind === 'held') unanswered = undefined;
    if (resolution.kind === 'pending') {
      if (Date.now() > budget) {
        const why = outcome.kind === 'unknown' ? outcome.reason : 'its claims are not yet readable';
        throw new Error(`append to ${name}: the outcome is still unknown (${why})`);
      }
      await sleep(Math.min(25 * 2 ** Math.min(attempt, 5), 500));
    }
  }
};
