// Crash safety (issue 6): both services as real processes on one data folder, each killed with SIGKILL again and
// again (and restarted on the same folder) while several clients post deliveries, measurements and extras. Then:
// every acknowledged command is in the log at the position it was given; no command is written twice, half, or
// after a refusal; an interrupted command is either wholly there or wholly absent; streams and positions have no
// gaps; and the query service's read models are exactly what a clean rebuild of the log gives.
// It runs on every store there is: SQLite (events.db in the data folder) and PostgreSQL (a real server started here
// from npm, LEDGER_STORE=postgres://…); the read models are SQLite in the data folder either way, as designed.
// The default run is 10 crashes of each service on SQLite and 6 on PostgreSQL; LEDGER_NIGHTLY=1 runs 60 of each.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { startBoth, startService, stopService, type Answer, type RunningService } from '@csu-ledger/cli';
// Every answer is held to the services' OpenAPI documents (issue 10).
import { checkedCall as call } from '../support/openapi.ts';
import {
  createPostgresEventStore,
  createSqliteEventStore,
  type EventStore,
  type RecordedEvent,
} from '@csu-ledger/event-store';
import { fingerprint, openReadModels, rebuildReadModels } from '@csu-ledger/query-service';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../packages/event-store/src/postgres/embedded-server.ts';
import { MONTHLY_REPORT, smallContract } from '../support/contracts.ts';
import { createCondition } from '../support/condition.ts';

const NIGHTLY = process.env.LEDGER_NIGHTLY === '1';
/** Crashes of each service per store: fewer on PostgreSQL by default, so the file stays near two minutes on 2 cores. */
const STORES = [
  { name: 'sqlite', cycles: NIGHTLY ? 60 : 10 },
  { name: 'postgres', cycles: NIGHTLY ? 60 : 6 },
] as const;
const CLIENTS = 6;
const CONTRACTS = ['CRASH-A', 'CRASH-B', 'CRASH-C', 'CRASH-D'];
const CCG = '08J';
const CSU = '0AX';
// A per-caller rate limit, if one is configured, must not be what this test measures.
const serviceEnv: Record<string, string> = {
  LEDGER_LOG_LEVEL: 'warn',
  LEDGER_RATE_LIMIT_BURST: '1000000',
  LEDGER_RATE_LIMIT_PER_SECOND: '1000000',
};

type Kind = 'agree' | 'delivery' | 'measurement' | 'raise' | 'accept';
const EVENT_TYPE: Record<Kind, string> = {
  agree: 'ContractAgreed',
  delivery: 'DeliverableDelivered',
  measurement: 'MeasurementReported',
  raise: 'ExtraRaised',
  accept: 'ExtraAccepted',
};

/** One command as a client sent it, and what it learnt: the correlation id finds its events in the log. */
interface Sent {
  correlationId: string;
  kind: Kind;
  contractId: string;
  path: string;
  body: Record<string, unknown>;
  /** Sent with an Idempotency-Key and resent after an ambiguous failure until it had an answer. */
  retried: boolean;
  outcome: 'acked' | 'refused' | 'in-doubt';
  status?: number;
  answer?: unknown;
  position?: string;
  extraId?: string;
  /** Attempts cut off by a crash (the connection dropped after the request may have reached the service). */
  cutOff: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The clients' counters (acknowledged, in flight): each change wakes whoever waits on them. */
const load = createCondition();
/** Waits until `done` holds; the bound only turns a hang into a message naming it, not a speed the test expects. */
const until = (done: () => boolean, what: string, withinMs = 120_000): Promise<void> =>
  load.until(done, what, AbortSignal.timeout(withinMs));

/**
 * A command whose body is still being sent: the service cannot have answered it, so a kill that lands now lands
 * mid-request. `closed` resolves with whatever the service said before the connection went (nothing, if killed).
 */
const halfSent = (url: string, token: string, contractId: string): { sent: Promise<void>; closed: Promise<string> } => {
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  let said = '';
  socket.on('data', (d: Buffer) => (said += d.toString('latin1')));
  socket.on('error', () => undefined);
  const sent = new Promise<void>((resolve) =>
    socket.on('connect', () =>
      socket.write(
        `POST /contracts/${contractId}/measurements HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${token}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"kpiId":"K2",',
        () => resolve(),
      ),
    ),
  );
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(said)));
  return { sent, closed };
};

/** True when the service was not there at all: the request never reached it, so it cannot have been recorded. */
const neverArrived = (err: unknown): boolean => {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
};

const agreement = (contractId: string) =>
  smallContract(
    contractId,
    { ccg: CCG, csu: CSU },
    {
      kpis: [
        { ...MONTHLY_REPORT, weightBp: 5000 },
        { id: 'K2', name: 'Coding accuracy', serviceLine: 'bi', weightBp: 5000, targetBp: 9500, kind: 'measured' },
      ],
    },
  );

const health = async (url: string): Promise<{ status: string; position: string }> => {
  const res = await fetch(`${url}/health`);
  return (await res.json()) as { status: string; position: string };
};

/** Streams the services write on their own, not for a command (issue 5's signed chain heads, after approvals). */
const SYSTEM_STREAMS = new Set(['integrity-heads']);

/** The stream a command writes to; for an extra, the id the answer gave (or, in doubt, whatever id it got). */
const streamOf = (s: Sent, e: RecordedEvent): string =>
  s.kind === 'raise' || s.kind === 'accept'
    ? `contract-${s.extraId ?? String((e.data as { extraId?: unknown }).extraId)}`
    : `contract-${s.contractId}`;

/** The fields of the event's data that only this command's body can have put there. */
const carriesBody = (s: Sent, e: RecordedEvent): boolean => {
  const d = e.data as Record<string, unknown>;
  switch (s.kind) {
    case 'agree':
      return d.contractId === s.contractId;
    case 'delivery':
      return d.reference === s.body.reference && d.month === s.body.month && d.kpiId === 'K1';
    case 'measurement':
      // MeasurementReported version 2: the note is the evidence's (issue 12)
      return (d.evidence as { note?: unknown } | undefined)?.note === (s.body.evidence as { note: string }).note && d.achievedBp === s.body.achievedBp && d.month === s.body.month;
    case 'raise':
      return d.description === s.body.description && d.amountPence === s.body.amountPence;
    case 'accept':
      return d.extraId === s.extraId;
  }
};

describe.each(STORES)('on $name', ({ name, cycles }) => {
  let pg: EmbeddedServer | undefined;
  /** The PostgreSQL database the services run on; undefined on SQLite (events.db in the data folder). */
  let storeUrl: string | undefined;
  let env: Record<string, string> = serviceEnv;
  let dataDir: string;
  const running = {} as { command: RunningService; query: RunningService };
  const sent: Sent[] = [];
  const kills = { command: 0, query: 0 };
  let log: RecordedEvent[] = [];
  let head = 0n;
  let loadSeconds = 0;
  /** What each kill landed on: the clients' requests then unanswered, acknowledgements since the last kill. */
  const landed: { service: 'command' | 'query'; inFlight: number; ackedSinceLast: number; halfSentGot?: string }[] = [];
  let inFlight = 0;

  /** Sends one command to whichever command service is running now, as a careful client would. */
  const send = async (token: string, cmd: Sent): Promise<void> => {
    const headers: Record<string, string> = { 'X-Correlation-Id': cmd.correlationId };
    if (cmd.retried) headers['Idempotency-Key'] = cmd.correlationId;
    for (;;) {
      let answer: Answer<Record<string, unknown>>;
      try {
        inFlight += 1;
        load.changed();
        answer = await call(running.command.url, token, 'POST', cmd.path, cmd.body, headers).finally(() => {
          inFlight -= 1;
          load.changed();
        });
      } catch (err) {
        if (neverArrived(err)) {
          await sleep(10); // down or restarting: nothing was sent, so sending again is safe with or without a key
          continue;
        }
        cmd.cutOff += 1;
        if (cmd.retried) {
          await sleep(10); // the same Idempotency-Key: a resend returns the first answer if the first one was recorded
          continue;
        }
        cmd.outcome = 'in-doubt';
        return;
      }
      if (answer.status === 429) {
        await sleep(10);
        continue;
      }
      cmd.status = answer.status;
      cmd.answer = answer.body;
      if (answer.status >= 300) {
        cmd.outcome = 'refused';
        return;
      }
      cmd.outcome = 'acked';
      cmd.position = String(answer.body.position);
      if (typeof answer.body.extraId === 'string') cmd.extraId = answer.body.extraId;
      return;
    }
  };

  let stopping = false;
  let acked = 0;

  /** A client posting a mix of commands to the contracts; odd clients resend after a cut-off, even ones give up. */
  const client = async (n: number, csu: string, ccg: string): Promise<void> => {
    const retried = n % 2 === 1;
    const pending: string[] = []; // extras this client raised and has not yet answered
    for (let i = 0; !stopping; i++) {
      const contractId = CONTRACTS[Math.floor(Math.random() * CONTRACTS.length)]!;
      const month = `2025-26-M0${1 + Math.floor(Math.random() * 6)}`;
      const correlationId = `crash-${n}-${i}`;
      const r = Math.random();
      const base = { correlationId, retried, outcome: 'in-doubt' as const, cutOff: 0 };
      let cmd: Sent;
      if (r < 0.15 && pending.length > 0) {
        const extraId = pending.shift()!;
        cmd = {
          ...base,
          kind: 'accept',
          contractId: extraId.split('.')[0]!,
          path: `/extras/${extraId}/accept`,
          body: { businessDate: '2025-05-02' },
          extraId,
        };
      } else if (r < 0.35) {
        const body = {
          businessDate: '2025-05-01',
          amountPence: 100 + Math.floor(Math.random() * 10_000),
          description: `extract ${correlationId}`,
          serviceLine: 'bi',
          requestedBy: 'Head of Contracting',
        };
        cmd = { ...base, kind: 'raise', contractId, path: `/contracts/${contractId}/extras`, body };
      } else if (r < 0.65) {
        cmd = {
          ...base,
          kind: 'delivery',
          contractId,
          path: `/contracts/${contractId}/deliveries`,
          body: { kpiId: 'K1', month, deliveredOn: '2025-10-20', reference: correlationId },
        };
      } else {
        const body = {
          kpiId: 'K2',
          month,
          achievedBp: Math.floor(Math.random() * 10_001),
          evidence: { note: correlationId },
          businessDate: '2025-10-20',
        };
        cmd = { ...base, kind: 'measurement', contractId, path: `/contracts/${contractId}/measurements`, body };
      }
      sent.push(cmd);
      await send(cmd.kind === 'accept' ? ccg : csu, cmd);
      if (cmd.outcome === 'acked') {
        acked += 1;
        load.changed();
        if (cmd.kind === 'raise') pending.push(cmd.extraId!);
      }
    }
  };

  /** Kills one service with SIGKILL at a random moment of steady load and starts it again, `cycles` times. */
  const crashLoop = async (name: 'command' | 'query', cycles: number, csuToken: string): Promise<void> => {
    for (let i = 0; i < cycles; i++) {
      const before = acked;
      // A random moment of steady load, counted in acknowledgements (10 to 49 since the last kill), not in time; and a
      // command unanswered at the moment of the kill.
      const wanted = 10 + Math.floor(Math.random() * 40);
      await until(() => acked >= before + wanted, `${wanted} acknowledgements before ${name} kill ${i + 1}`);
      const probe = name === 'command' ? halfSent(running.command.url, csuToken, CONTRACTS[0]!) : undefined;
      await probe?.sent;
      await until(() => inFlight > 0, `a request in flight before ${name} kill ${i + 1}`);
      const kill = { service: name, inFlight, ackedSinceLast: acked - before };
      // Nothing is awaited between the check above and the signal: the requests counted are unanswered when it lands.
      await stopService(running[name], 'SIGKILL');
      landed.push(probe ? { ...kill, halfSentGot: await probe.closed } : kill);
      kills[name] += 1;
      running[name] = await startService(name, { dataDir, commandPort: 0, queryPort: 0, env });
    }
  };

  let tokens: { admin: string; ccg: string };

  /** The store the services write to, opened once more here to read the log. */
  const openStore = (): Promise<EventStore> =>
    storeUrl === undefined
      ? Promise.resolve(createSqliteEventStore(join(dataDir, 'events.db')))
      : createPostgresEventStore(storeUrl);

  beforeAll(
    async () => {
      dataDir = await mkdtemp(join(tmpdir(), `csu-ledger-crash-${name}-`));
      if (name === 'postgres') {
        pg = await startEmbeddedPostgres({ fastInit: true });
        storeUrl = await pg.createDatabase('ledger_crash');
        env = { ...serviceEnv, LEDGER_STORE: storeUrl };
      }
      const secret = await loadOrCreateDevSecret(dataDir);
      const both = await startBoth({ dataDir, commandPort: 0, queryPort: 0, env });
      running.command = both.command;
      running.query = both.query;
      const sign = (sub: string, org: string, role: 'admin' | 'csu' | 'ccg') =>
        signDevToken(secret, { sub, name: sub, org, roles: [role] });
      tokens = { admin: await sign('crash-admin', 'NHS', 'admin'), ccg: await sign('crash-ccg-0', CCG, 'ccg') };
      for (const contractId of CONTRACTS) {
        const cmd: Sent = {
          correlationId: `setup-${contractId}`,
          kind: 'agree',
          contractId,
          path: '/contracts',
          body: agreement(contractId),
          retried: true,
          outcome: 'in-doubt',
          cutOff: 0,
        };
        sent.push(cmd);
        await send(tokens.admin, cmd);
        expect(cmd.status, JSON.stringify(cmd.answer)).toBe(201);
      }
      const csus = await Promise.all([1, 2, 3].map((i) => sign(`crash-csu-${i}`, CSU, 'csu')));
      const ccgs = await Promise.all([1, 2].map((i) => sign(`crash-ccg-${i}`, CCG, 'ccg')));

      const started = performance.now();
      const clients = Array.from({ length: CLIENTS }, (_, n) =>
        client(n, csus[n % csus.length]!, ccgs[n % ccgs.length]!),
      );
      // Both services crash independently, so some query crashes land while the command service is still writing and
      // some command crashes while the query service is catching up.
      await Promise.all([crashLoop('command', cycles, csus[0]!), crashLoop('query', cycles, csus[0]!)]);
      stopping = true;
      await Promise.all(clients);
      loadSeconds = (performance.now() - started) / 1000;

      const store = await openStore();
      try {
        head = await store.headPosition();
        log = await store.readAll();
      } finally {
        await store.close();
      }
    },
    // About 50 s on a quiet 2-core machine: a bound for a hang, with room for a machine whose cores are busy.
    (NIGHTLY ? 1800 : 600) * 1000,
  );

  afterAll(async () => {
    if (running.command) await stopService(running.command);
    if (running.query) await stopService(running.query);
    const counts = { acked: 0, refused: 0, 'in-doubt': 0 };
    for (const s of sent) counts[s.outcome] += 1;
    const cut = sent.filter((s) => s.cutOff > 0).length;
    console.log(
      `crash safety on ${name}: ${kills.command} command and ${kills.query} query crashes in ${loadSeconds.toFixed(1)} s; ${sent.length} commands ` +
        `(${counts.acked} acknowledged, ${counts.refused} refused, ${counts['in-doubt']} in doubt; ${cut} cut off by a crash); ${log.length} events; ` +
        `requests in flight at each kill: ${landed.map((k) => `${k.service[0]}${k.inFlight}`).join(' ')}`,
    );
    if (dataDir && !process.env.KEEP_E2E_DATA) await rm(dataDir, { recursive: true, force: true });
    await pg?.stop();
  }, 120_000);

  /** The events of commands, by the correlation id their client sent. */
  const eventsOf = (): Map<string, RecordedEvent[]> => {
    const by = new Map<string, RecordedEvent[]>();
    for (const e of log.filter((x) => !SYSTEM_STREAMS.has(x.streamName))) {
      const id = String(e.metadata.correlationId);
      by.set(id, [...(by.get(id) ?? []), e]);
    }
    return by;
  };

  describe(`the command service killed with SIGKILL ${cycles} times under load`, () => {
    it('was really crashed under load, with requests cut off mid-flight', () => {
      expect(kills).toEqual({ command: cycles, query: cycles });
      // Under load, whatever the machine's speed: every kill landed after commands had been acknowledged since the
      // previous one and while clients' requests were unanswered (not a throughput, which a busy machine lowers).
      expect(landed).toHaveLength(2 * cycles);
      for (const k of landed) {
        expect(k.ackedSinceLast, `${k.service} kill`).toBeGreaterThanOrEqual(10);
        expect(k.inFlight, `${k.service} kill`).toBeGreaterThan(0);
      }
      // A crash between a request and its answer, the case the rest of this file is about: each command-service kill
      // landed while a command's body was still arriving, and the service said nothing before it went.
      const onCommand = landed.filter((k) => k.service === 'command');
      expect(onCommand.map((k) => k.halfSentGot)).toEqual(onCommand.map(() => ''));
    });

    it('refused nothing: the commands are all valid, and a crash is never reported as a refusal', () => {
      expect(
        sent.filter((s) => s.outcome === 'refused').map((s) => ({ kind: s.kind, status: s.status, answer: s.answer })),
      ).toEqual([]);
    });

    it('kept every acknowledged command, at the position its answer gave, with its own data', () => {
      const byPosition = new Map(log.map((e) => [e.position.toString(), e]));
      const wrong = sent
        .filter((s) => s.outcome === 'acked')
        .flatMap((s) => {
          const e = byPosition.get(s.position!);
          const ok =
            e !== undefined &&
            e.metadata.correlationId === s.correlationId &&
            e.type === EVENT_TYPE[s.kind] &&
            e.streamName === streamOf(s, e) &&
            carriesBody(s, e);
          return ok
            ? []
            : [
                {
                  command: s.correlationId,
                  kind: s.kind,
                  position: s.position,
                  found: e && { type: e.type, stream: e.streamName, correlationId: e.metadata.correlationId },
                },
              ];
        });
      expect(wrong).toEqual([]);
    });

    it('wrote each command once or (only if cut off and not resent) not at all, and nothing no one asked for', () => {
      const by = eventsOf();
      const known = new Map(sent.map((s) => [s.correlationId, s]));
      const unknown = [...by.keys()].filter((id) => !known.has(id));
      expect(unknown, 'events whose command no client sent').toEqual([]);
      const wrong = sent.flatMap((s) => {
        const events = by.get(s.correlationId) ?? [];
        // Every command writes one event today; a multi-event command would have to show all of them or none.
        const allowed = s.outcome === 'in-doubt' ? [0, 1] : s.outcome === 'acked' ? [1] : [0];
        const whole = events.every(
          (e) => e.type === EVENT_TYPE[s.kind] && e.streamName === streamOf(s, e) && carriesBody(s, e),
        );
        return allowed.includes(events.length) && whole
          ? []
          : [
              {
                command: s.correlationId,
                outcome: s.outcome,
                cutOff: s.cutOff,
                events: events.map((e) => `${e.position} ${e.type}`),
              },
            ];
      });
      expect(wrong).toEqual([]);
      // And in total: the acknowledged commands plus some of those in doubt make up the whole log.
      const ackedCount = sent.filter((s) => s.outcome === 'acked').length;
      const doubt = sent.filter((s) => s.outcome === 'in-doubt').length;
      const commandEvents = [...by.values()].reduce((n, events) => n + events.length, 0);
      expect(commandEvents).toBeGreaterThanOrEqual(ackedCount);
      expect(commandEvents).toBeLessThanOrEqual(ackedCount + doubt);
    });

    it('left no gap: stream revisions count 0, 1, 2, … and positions 1, 2, 3, … up to the head', () => {
      expect(log.map((e) => e.position)).toEqual(log.map((_, i) => BigInt(i + 1)));
      expect(head).toBe(BigInt(log.length));
      const next = new Map<string, number>();
      const gaps: string[] = [];
      for (const e of log) {
        const expected = next.get(e.streamName) ?? 0;
        if (e.revision !== expected)
          gaps.push(`${e.streamName}: revision ${e.revision} at ${e.position}, expected ${expected}`);
        next.set(e.streamName, e.revision + 1);
      }
      expect(gaps).toEqual([]);
    });
  });

  describe(`the query service killed with SIGKILL ${cycles} times under load`, () => {
    it('catches up with the log on its own after its last restart', async () => {
      // The query service itself waits (up to 5 s a request) until its read models reach the log's head, else 503.
      let caughtUp: Answer<unknown> | undefined;
      for (let attempt = 0; attempt < 30 && caughtUp?.status !== 200; attempt++) {
        caughtUp = await call(running.query.url, tokens.admin, 'GET', '/contracts?limit=1', undefined, { 'X-Min-Position': head.toString() });
      }
      expect(caughtUp?.status).toBe(200);
      expect(await health(running.query.url)).toMatchObject({ status: 'ok', position: head.toString() });
    }, 180_000);

    it('shows each contract exactly as the log has it: every event once, every accepted extra paid once', async () => {
      for (const contractId of CONTRACTS) {
        const group = log.filter(
          (e) => e.streamName === `contract-${contractId}` || e.streamName.startsWith(`contract-${contractId}.`),
        );
        const positions: string[] = [];
        for (let after = ''; ; ) {
          const history = await call<{ items: { position: string }[]; next: string | null }>(
            running.query.url,
            tokens.ccg,
            'GET',
            `/contracts/${contractId}/history?limit=1000${after}`,
          );
          expect(history.status).toBe(200);
          positions.push(...history.body.items.map((e) => e.position));
          if (history.body.next === null) break;
          after = `&after=${history.body.next}`;
        }
        expect(positions).toEqual(group.map((e) => e.position.toString()));
        const paid = group
          .filter((e) => e.type === 'ExtraAccepted')
          .reduce((sum, e) => sum + (e.data as { amountPence: number }).amountPence, 0);
        const settlement = await call<{ extrasPence: number }>(
          running.query.url,
          tokens.ccg,
          'GET',
          `/contracts/${contractId}/settlements/2025-26-Q1`,
        );
        expect(settlement.status).toBe(200);
        expect(settlement.body.extrasPence).toBe(paid);
      }
    });

    it('has read models equal to a clean rebuild of the log up to the same checkpoint (nothing counted twice)', async () => {
      await stopService(running.query); // gracefully: the file is closed, nothing is left half done
      const live = openReadModels(join(dataDir, 'read-models.db'));
      const checkpoint = live.checkpoint();
      const liveFingerprint = fingerprint(live);
      live.close();
      expect(checkpoint).toBe(head);

      const store = await openStore();
      const fresh = openReadModels(join(dataDir, 'read-models.rebuild.db'));
      try {
        const result = await rebuildReadModels(store, fresh, { until: checkpoint });
        expect(result.position).toBe(checkpoint);
        expect(fingerprint(fresh)).toBe(liveFingerprint);
      } finally {
        fresh.close();
        await store.close();
      }
    });
  });
});
