// The open-loop load generator of `pnpm bench`, run as a process of its own so that its work never shares an event
// loop with a service or with another generator. It sends requests on a fixed schedule (--rate per second, whatever
// happened to earlier ones) and counts each latency from the request's SCHEDULED send time: when the service falls
// behind, the queue it builds is in the figures (no coordinated omission). A closed loop (each client waits for its
// answer before sending again) slows down with the service and hides exactly that queue.
//
// Input: a JSON plan file (--plan), so tokens and bodies stay off the command line:
//   { url, rate, seconds, warmupSeconds?, drainSeconds?, requests: [{ method, path, headers, body? }] }
// Requests are sent round-robin from the list; the first warmupSeconds are sent but not counted. Once the schedule
// ends, answers are awaited drainSeconds more (default 10): a request still unanswered then is abandoned, counted
// as `unanswered`, and its latency so far enters the percentiles (which are then a lower bound).
// Output: one JSON line (OpenLoopResult) on stdout.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

export interface PlannedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}
export interface OpenLoopPlan {
  url: string;
  rate: number;
  seconds: number;
  warmupSeconds?: number;
  drainSeconds?: number;
  requests: PlannedRequest[];
}
export interface Percentiles {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}
export interface OpenLoopResult {
  rate: number;
  seconds: number;
  sent: number;
  /** Counted (after the warm-up) answers with a 2xx status. */
  ok: number;
  statuses: Record<string, number>;
  /** Milliseconds from the scheduled send time to the whole answer, counted 2xx answers only. */
  latency: Percentiles;
  /** How late this process itself sent (its own CPU share): part of every latency above. */
  sentLate: Percentiles;
  /** Counted requests abandoned unanswered drainSeconds after the schedule ended. */
  unanswered: number;
  /** Counted 2xx answers per second, from the first counted scheduled send to the last counted answer. */
  throughput: number;
  /** The highest `position` in a JSON answer (commands answer their log position), as a decimal string. */
  lastPosition: string | null;
}

export const percentiles = (xs: number[]): Percentiles => {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (p: number): number | null =>
    sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null);
  return { n: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1) ?? null };
};

const run = async (plan: OpenLoopPlan): Promise<OpenLoopResult> => {
  const base = new URL(plan.url);
  // Keep-alive sockets, as many as the backlog needs up to a bound: beyond it requests wait in this process, and
  // that wait is counted too (latency runs from the schedule).
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const latencies: number[] = [];
  const late: number[] = [];
  const statuses: Record<string, number> = {};
  let lastPosition: bigint | null = null;
  let lastAnswer = 0;
  const interval = 1000 / plan.rate;
  const start = performance.now() + 20;
  const countFrom = start + (plan.warmupSeconds ?? 0) * 1000;
  const end = countFrom + plan.seconds * 1000;
  const inflight = new Map<Promise<void>, { scheduled: number; counted: boolean }>();
  const send = (scheduled: number, planned: PlannedRequest): Promise<void> =>
    new Promise<void>((done) => {
      const counted = scheduled >= countFrom;
      if (counted) late.push(performance.now() - scheduled);
      const count = (key: string): void => {
        if (counted) statuses[key] = (statuses[key] ?? 0) + 1;
      };
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: planned.method,
          path: planned.path,
          headers:
            planned.body === undefined
              ? planned.headers
              : { ...planned.headers, 'content-length': Buffer.byteLength(planned.body) },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            count(String(status));
            if (counted && status >= 200 && status < 300) {
              const now = performance.now();
              latencies.push(now - scheduled);
              lastAnswer = Math.max(lastAnswer, now);
              // Commands answer {"position":"123",…}: the highest tells the caller where the log ended.
              const position = /"position":"(\d+)"/.exec(Buffer.concat(chunks).toString())?.[1];
              if (position !== undefined && (lastPosition === null || BigInt(position) > lastPosition))
                lastPosition = BigInt(position);
            }
            done();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        count(`error: ${e.message}`);
        done();
      });
      req.end(planned.body);
    });
  let i = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      for (let next = start + i * interval; next <= now && next < end; next = start + i * interval) {
        const p = send(next, plan.requests[i % plan.requests.length]!);
        inflight.set(p, { scheduled: next, counted: next >= countFrom });
        void p.finally(() => inflight.delete(p));
        i += 1;
      }
      if (start + i * interval >= end) return done();
      setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  let unanswered = 0;
  const drained = await Promise.race([
    Promise.all([...inflight.keys()]).then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), (plan.drainSeconds ?? 10) * 1000)),
  ]);
  if (!drained) {
    const now = performance.now();
    for (const { scheduled, counted } of inflight.values()) {
      if (!counted) continue;
      unanswered += 1;
      latencies.push(now - scheduled);
    }
  }
  agent.destroy();
  return {
    rate: plan.rate,
    seconds: plan.seconds,
    sent: i,
    ok: latencies.length - unanswered,
    unanswered,
    statuses,
    latency: percentiles(latencies),
    sentLate: percentiles(late),
    throughput: (latencies.length - unanswered) / Math.max(plan.seconds, (lastAnswer - countFrom) / 1000),
    lastPosition: lastPosition === null ? null : String(lastPosition),
  };
};

// Run as a process (not when imported for its types and percentiles).
if (import.meta.main) {
  const { values } = parseArgs({ options: { plan: { type: 'string' } } });
  if (values.plan === undefined) throw new Error('usage: open-loop.ts --plan <plan.json>');
  const result = await run(JSON.parse(readFileSync(values.plan, 'utf8')) as OpenLoopPlan);
  // Out at once: sockets of abandoned requests must not keep this process alive.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}
