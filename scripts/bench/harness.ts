// What the scenarios of `pnpm bench` share: child processes (the existing bench scripts, the open-loop generator),
// services on a fresh data folder with tokens, contracts created over HTTP, catching up, resident memory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { call, startService, stopService, type RunningService } from '@csu-ledger/cli';
import type { OpenLoopPlan, OpenLoopResult, PlannedRequest } from './open-loop.ts';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const here = fileURLToPath(new URL('.', import.meta.url));

/** A figure of the run; `target` (from PERFORMANCE.md) marks it met or not; `value` null: not measured. */
export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  target?: { op: '>=' | '<='; value: number };
  note?: string;
}
export interface ScenarioResult {
  figures: Figure[];
  details: Record<string, unknown>;
}
export interface RunContext {
  quick: boolean;
  /** Seconds of measured load per phase. */
  seconds: number;
  /** A folder for the services' CPU profiles (node --cpu-prof), or none. */
  profile?: string;
  /** Largest log of the scale scenario. */
  scaleMax: number;
  /** Results of earlier scenarios in this run, by name (rebuild reuses a point of scale, say). */
  cache: Map<string, unknown>;
}

export const met = (f: Figure): boolean | null =>
  f.target === undefined || f.value === null
    ? null
    : f.target.op === '>='
      ? f.value >= f.target.value
      : f.value <= f.target.value;

/** Runs a Node script of this repository as a child process, its output shown as it comes; rejects on a non-zero exit. */
export const runNode = (script: string, args: string[], env: Record<string, string> = {}): Promise<string> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      process.stdout.write(c.toString().replace(/^(?=.)/gm, '    '));
    });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      code === 0 ? done(out) : fail(new Error(`${script} exited with ${code ?? signal}`)),
    );
  });

/** The open-loop generator (open-loop.ts) as a process of its own, on a plan. */
export const openLoop = (plan: OpenLoopPlan): Promise<OpenLoopResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-plan-'));
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify(plan), { mode: 0o600 });
  return new Promise<OpenLoopResult>((done, fail) => {
    const child = spawn(process.execPath, [join(here, 'open-loop.ts'), '--plan', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0
        ? done(JSON.parse(out.trim()) as OpenLoopResult)
        : fail(new Error(`open-loop generator exited with ${code}`)),
    );
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
};

export type Role = 'admin' | 'csu' | 'ccg' | 'auditor';
export interface Services {
  dataDir: string;
  command?: RunningService;
  query?: RunningService;
  /**
   * Milliseconds each took from spawn to listening, in the last start; `all`: from the first spawn until the last
   * listened (the sum of the others when they start one after another, as `pnpm ledger start` does).
   */
  startMs: { command?: number; query?: number; all?: number };
  sign: (sub: string, org: string, role: Role) => Promise<string>;
  /** Starts the services one after another, or with `together` all at once. */
  start: (which?: ('command' | 'query')[], options?: { together?: boolean }) => Promise<void>;
  stop: () => Promise<void>;
  /** Stops and deletes the data folder. */
  dispose: () => Promise<void>;
}

// Many distinct callers at high rates: the per-caller rate limit is not what is measured.
const SERVICE_ENV = {
  LEDGER_LOG_LEVEL: 'warn',
  LEDGER_RATE_LIMIT_BURST: '1000000',
  LEDGER_RATE_LIMIT_PER_SECOND: '1000000',
};

/** The services as `pnpm ledger start` runs them (separate processes) on a fresh data folder. */
export const services = async (ctx: RunContext, name: string): Promise<Services> => {
  const dataDir = mkdtempSync(join(tmpdir(), `ledger-bench-${name}-`));
  const secret = await loadOrCreateDevSecret(dataDir);
  const s: Services = {
    dataDir,
    startMs: {},
    sign: (sub, org, role) => signDevToken(secret, { sub, name: sub, org, roles: [role] }),
    start: async (which = ['command', 'query'], { together = false } = {}) => {
      s.startMs = {};
      const first = performance.now();
      const one = async (service: 'command' | 'query') => {
        const t = performance.now();
        s[service] = await startService(service, {
          dataDir,
          commandPort: 0,
          queryPort: 0,
          env: SERVICE_ENV,
          ...(ctx.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(ctx.profile, name)}`] } : {}),
        });
        s.startMs[service] = performance.now() - t;
      };
      if (together) await Promise.all(which.map(one));
      else for (const service of which) await one(service);
      s.startMs.all = performance.now() - first;
    },
    stop: async () => {
      await Promise.all([s.command, s.query].map((r) => (r ? stopService(r) : Promise.resolve())));
      s.command = undefined;
      s.query = undefined;
    },
    dispose: async () => {
      await s.stop();
      if (!process.env.KEEP_BENCH_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return s;
};

export const must = async (what: string, answer: Promise<{ status: number; body: unknown }>): Promise<void> => {
  const a = await answer;
  if (a.status >= 300) throw new Error(`setup failed (${what}): ${a.status} ${JSON.stringify(a.body)}`);
};

/** A contract of term 2025-26 with a deliverable K1 and a measured K2 (the shapes seed.ts writes); every bench's. */
export const contractBody = (contractId: string, ccg = '01A', csu = '0AX') => ({
  contractId,
  businessDate: '2025-03-20',
  ccg,
  csu,
  firstMonth: '2025-26-M01',
  lastMonth: '2025-26-M12',
  annualFeePence: 120_000_000,
  feeAtRiskBp: 1000,
  gainShareBp: 2000,
  gainShareCapPence: 10_000_000,
  breakNoticeMonths: 3,
  trustResponseWorkingDays: 20,
  kpis: [
    {
      id: 'K1',
      name: 'Monthly report',
      serviceLine: 'finance',
      weightBp: 5000,
      targetBp: 9000,
      kind: 'deliverable',
      dueWorkingDay: 10,
    },
    { id: 'K2', name: 'Coding accuracy', serviceLine: 'bi', weightBp: 5000, targetBp: 9500, kind: 'measured' },
  ],
});

/** Creates the contracts over HTTP, eight at a time. */
export const createContracts = async (commandUrl: string, admin: string, ids: string[]): Promise<void> => {
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(
      ids
        .slice(i, i + 8)
        .map((id) => must(`contract ${id}`, call(commandUrl, admin, 'POST', '/contracts', contractBody(id)))),
    );
  }
};

/** Waits until the query service has projected the log up to `position` (read-your-writes, its own bound per try). */
export const caughtUp = async (queryUrl: string, token: string, position: bigint | string): Promise<number> => {
  const t = performance.now();
  for (let tries = 0; tries < 600; tries += 1) {
    const a = await call(queryUrl, token, 'GET', '/contracts?limit=1', undefined, {
      'X-Min-Position': String(position),
    });
    if (a.status === 200) return performance.now() - t;
  }
  throw new Error(`the query service did not reach position ${position}`);
};

/** Resident memory of a process now and at its peak, in MiB (Linux /proc). */
export const residentMiB = (pid: number | undefined): { rss: number; peak: number } | null => {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return null;
  }
};

export const json = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});

/** Commands in the command service's request shapes: deliveries and measurements, round-robin over contracts. */
export const commandRequests = (contracts: string[], tokens: string[], count: number): PlannedRequest[] =>
  Array.from({ length: count }, (_, i) => {
    const contract = contracts[i % contracts.length]!;
    const month = `2025-26-M${String(1 + (Math.floor(i / contracts.length) % 12)).padStart(2, '0')}`;
    const headers = json(tokens[i % tokens.length]!);
    return i % 2 === 0
      ? {
          method: 'POST',
          path: `/contracts/${contract}/deliveries`,
          headers,
          body: JSON.stringify({ kpiId: 'K1', month, deliveredOn: '2026-04-20', reference: `ref-${i}` }),
        }
      : {
          method: 'POST',
          path: `/contracts/${contract}/measurements`,
          headers,
          body: JSON.stringify({ kpiId: 'K2', month, achievedBp: 8_000 + (i % 2_000), businessDate: '2026-04-20' }),
        };
  });

/** Settlement reads of the current quarter figures, round-robin over contracts and quarters. */
export const settlementRequests = (contracts: string[], token: string, count: number): PlannedRequest[] =>
  Array.from({ length: count }, (_, i) => ({
    method: 'GET',
    path: `/contracts/${contracts[i % contracts.length]!}/settlements/2025-26-Q${1 + (Math.floor(i / contracts.length) % 4)}`,
    headers: { authorization: `Bearer ${token}` },
  }));
