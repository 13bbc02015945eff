// Load generator of `pnpm bench:isolation`, run as its own process (so its work never shares an event loop with the
// service or with the other generator). Prints one JSON line with what it saw.
//   --mode victim:   open loop: requests sent on a fixed schedule (--rate per second to --path, and a fifth as many
//                    to /health), latency counted from the scheduled time, whatever happened to earlier ones.
//   --mode attacker: closed loop, --concurrency at once, as fast as answers come: pages of history (now and asAt),
//                    settlements asAt random instants and asOf random dates of one big contract, and now and then its
//                    current settlement and a page of its challenges. Refused (429/503),
//                    a loop waits Retry-After as HTTP clients do, unless --ignore-retry-after.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '100' },
    path: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    contract: { type: 'string' },
    'from-ms': { type: 'string' },
    'to-ms': { type: 'string' },
    'ignore-retry-after': { type: 'boolean', default: false },
  },
});
const url = values.url!;
const headers = { authorization: `Bearer ${values.token!}` };
const seconds = Number(values.seconds);
const TIMEOUT_MS = 30_000;

const pct = (sorted: number[], p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (latencies: number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    max: sorted.at(-1) ?? null,
  };
};

const statuses: Record<string, number> = {};
const count = (key: string | number): void => {
  statuses[key] = (statuses[key] ?? 0) + 1;
};

const get = async (path: string, auth = true): Promise<{ status: number; body: string; retryAfter: number }> => {
  const res = await fetch(`${url}${path}`, { headers: auth ? headers : {}, signal: AbortSignal.timeout(TIMEOUT_MS) });
  return { status: res.status, body: await res.text(), retryAfter: Number(res.headers.get('retry-after') ?? 0) };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const victim = async (): Promise<void> => {
  const rate = Number(values.rate);
  const path = values.path!;
  const reads: number[] = [];
  const probes: number[] = [];
  // How late this process itself sent each request (its own event loop or CPU share): part of every latency above.
  const late: number[] = [];
  const inflight = new Set<Promise<void>>();
  const fire = (scheduled: number, probe: boolean): void => {
    late.push(performance.now() - scheduled);
    const p = get(probe ? '/health' : path, !probe).then(
      (r) => {
        count(probe ? `health ${r.status}` : r.status);
        (probe ? probes : reads).push(performance.now() - scheduled);
      },
      () => count(probe ? 'health no answer' : 'no answer'),
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  const interval = 1000 / rate;
  const start = performance.now() + 50;
  const end = start + seconds * 1000;
  let i = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      for (let next = start + i * interval; next <= now && next < end; next = start + i * interval) {
        fire(next, i % 5 === 4);
        i += 1;
      }
      if (start + i * interval >= end) return done();
      setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    };
    setTimeout(tick, 50);
  });
  await Promise.all([...inflight]);
  process.stdout.write(
    `${JSON.stringify({ mode: 'victim', sent: i, reads: summary(reads), health: summary(probes), sentLate: summary(late), statuses })}\n`,
  );
};

const attacker = async (): Promise<void> => {
  const c = values.contract!;
  const fromMs = Number(values['from-ms']);
  const toMs = Number(values['to-ms']);
  const instant = () => new Date(fromMs + Math.random() * (toMs - fromMs)).toISOString();
  const date = () =>
    `2025-${String(4 + Math.floor(Math.random() * 9)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`;
  const quarter = () => `2025-26-Q${1 + Math.floor(Math.random() * 4)}`;
  const deadline = performance.now() + seconds * 1000;
  let bytes = 0;
  let requests = 0;
  const latencies: number[] = [];
  const loop = async (): Promise<void> => {
    let cursor: string | null = null;
    let walkAsAt = '';
    while (performance.now() < deadline) {
      const r = Math.random();
      let path: string;
      if (r < 0.35) {
        // walk the history a page of 1,000 at a time, now or asAt an instant
        if (cursor === null) walkAsAt = Math.random() < 0.5 ? `&asAt=${instant()}` : '';
        path = `/contracts/${c}/history?limit=1000${walkAsAt}${cursor ? `&after=${cursor}` : ''}`;
      } else if (r < 0.65) path = `/contracts/${c}/settlements/${quarter()}?asAt=${instant()}`;
      else if (r < 0.8) path = `/contracts/${c}/settlements?asOf=${date()}`;
      else if (r < 0.9) path = `/contracts/${c}/history?asOf=${date()}&type=ExtraAccepted,ChallengeResolved`;
      // and now and then its views as they stand, which cost in proportion to the contract too
      else if (r < 0.95) path = `/contracts/${c}/settlements/${quarter()}`;
      else path = `/contracts/${c}/challenges?limit=1000`;
      const t = performance.now();
      try {
        const a = await get(path);
        latencies.push(performance.now() - t);
        requests += 1;
        bytes += a.body.length;
        count(a.status);
        // the cursor from the page's tail, without parsing a page of 1,000 events in this process
        if (r < 0.35) cursor = a.status === 200 ? (/"next":"([^"]+)"\}$/.exec(a.body)?.[1] ?? null) : null;
        // As an HTTP client does, unless told to hammer regardless (a flood of refusals is the rate limiter's case).
        if ((a.status === 429 || a.status === 503) && !values['ignore-retry-after']) {
          await sleep(Math.min(a.retryAfter, 5) * 1000);
        }
      } catch {
        count('no answer');
      }
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, loop));
  process.stdout.write(
    `${JSON.stringify({ mode: 'attacker', requests, perSecond: Math.round(requests / seconds), megabytes: Math.round(bytes / 1e6), latency: summary(latencies), statuses })}\n`,
  );
};

await (values.mode === 'victim' ? victim() : attacker());
