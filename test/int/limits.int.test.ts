// Limits over real HTTP (issue 6): bodies over the limit are 413 on both services; a caller over its rate is 429 with
// Retry-After while others are served; slow clients (slowloris) are cut off by the header and request timeouts and
// cannot pin the server meanwhile.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, signDevToken } from '@csu-ledger/auth';
import { createSqliteEventStore, type EventStore } from '@csu-ledger/event-store';
import { createCommandApp } from '../../services/command-service/src/app.ts';
import {
  agreeContract,
  extraBody,
  FIXED_NOW,
  listen,
  shut,
  startInProcess,
  TODAY,
  type InProcess,
  type Json,
} from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
const LIMIT = 256 * 1024;
const NO_INTERNALS = /\n\s+at |\.ts:\d+|node_modules|\/work\//;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** node:http, since fetch will not send a GET with a body, nor a body without a length unless streamed. */
const send = (
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
  chunked = false,
  /** The address to connect from (any of 127.0.0.0/8 reaches a server on 127.0.0.1): another client. */
  localAddress?: string,
): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: { ...headers, ...(body && !chunked ? { 'content-length': String(body.length) } : {}) },
        ...(localAddress === undefined ? {} : { localAddress }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    // the server may answer 413 and stop reading before the whole body is sent
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    if (body && chunked) {
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });

const expectProblem = (r: Raw, status: number, code: string): Json => {
  expect(r.status, r.text).toBe(status);
  expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(r.text) as Json;
  expect(body).toMatchObject({ status, code });
  expect(r.text).not.toMatch(NO_INTERNALS);
  return body;
};

describe('request bodies over the limit (256 kB) → 413 payload-too-large on both services', () => {
  let h: InProcess;
  let contractId: string;
  let csu: string;
  beforeAll(async () => {
    h = await startInProcess();
    contractId = await agreeContract(h, PARTIES);
    csu = await h.token('csu', PARTIES.csu);
  });
  afterAll(() => h?.close());

  const bodyOf = (bytes: number): Buffer => {
    const base = JSON.stringify({ ...extraBody(), description: '' });
    return Buffer.from(base.replace('"description":""', `"description":"${'x'.repeat(bytes - base.length)}"`));
  };
  const json = () => ({ authorization: `Bearer ${csu}`, 'content-type': 'application/json' });

  it('a command body of 300 kB, with a Content-Length or chunked, → 413 and nothing written', async () => {
    const before = await h.head();
    for (const chunked of [false, true]) {
      const r = await send(
        h.commandUrl,
        'POST',
        `/contracts/${contractId}/extras`,
        json(),
        bodyOf(300 * 1024),
        chunked,
      );
      expectProblem(r, 413, 'payload-too-large');
    }
    expect(await h.head()).toBe(before);
  });

  it('a body of 8 MB is refused just the same, and the service answers the next request', async () => {
    const r = await send(
      h.commandUrl,
      'POST',
      `/contracts/${contractId}/extras`,
      json(),
      Buffer.alloc(8 * 1024 * 1024, 0x20),
      true,
    );
    expectProblem(r, 413, 'payload-too-large');
    expect((await fetch(`${h.commandUrl}/health`)).status).toBe(200);
  });

  it('just under the limit the body is read (and refused for its content, not its size)', async () => {
    const r = await send(h.commandUrl, 'POST', `/contracts/${contractId}/extras`, json(), bodyOf(LIMIT - 1024));
    expectProblem(r, 400, 'validation-failed');
  });

  it('a query with a 300 kB body: the query service, which takes no bodies, never reads it, closes the connection and answers the next request', async () => {
    const r = await send(h.queryUrl, 'GET', `/contracts/${contractId}`, json(), bodyOf(300 * 1024));
    expect(r.status, r.text).toBe(200);
    expect(r.headers.connection).toBe('close');
    expect((await h.get(csu, `/contracts/${contractId}`)).status).toBe(200);
  });
});

describe('per-caller rate limit (token bucket after authentication)', () => {
  const BURST = 5;
  const PER_SECOND = 1;
  // The buckets' clock, moved only by the tests: a burst is "at once" however slowly a busy machine serves it, and
  // waiting as told is a step of the clock, not a second of real time.
  let clockMs = 0;
  let h: InProcess;
  let contractId: string;
  beforeAll(async () => {
    h = await startInProcess({ rateLimit: { burst: BURST, perSecond: PER_SECOND, now: () => clockMs } });
    contractId = await agreeContract(h, PARTIES);
  });
  afterAll(() => h?.close());

  const measurement = (achievedBp: number): Json => ({
    businessDate: TODAY,
    kpiId: 'K3',
    month: '2025-26-M05',
    achievedBp,
  });

  it(`command service: a caller's first ${BURST} requests at once are served, the rest → 429 rate-limited with Retry-After`, async () => {
    const token = await h.token('csu', PARTIES.csu, 'eager-csu');
    const before = await h.head();
    const replies = await Promise.all(
      Array.from({ length: BURST + 5 }, (_, i) =>
        h.post(token, `/contracts/${contractId}/measurements`, measurement(9000 + i)),
      ),
    );
    // still empty right after the burst
    const again = await h.post(token, `/contracts/${contractId}/measurements`, measurement(8900));
    const served = replies.filter((r) => r.status === 200);
    const limited = [...replies, again].filter((r) => r.status === 429);
    expect(served.length, replies.map((r) => r.status).join(' ')).toBe(BURST);
    expect(limited.length).toBe(6);
    for (const r of limited) {
      expect(r.contentType).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('rate-limited');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    // only the served ones were written
    expect(await h.head()).toBe(before + BigInt(BURST));

    // another caller (same organisation) is not held back by this one
    expect(
      (
        await h.post(
          await h.token('csu', PARTIES.csu, 'patient-csu'),
          `/contracts/${contractId}/measurements`,
          measurement(8000),
        )
      ).status,
    ).toBe(200);
    // and the eager caller who waits as told is served again
    clockMs += Number(again.headers.get('retry-after')) * 1000;
    expect((await h.post(token, `/contracts/${contractId}/measurements`, measurement(8100))).status).toBe(200);
  });

  it('query service: the same, with a bucket of its own', async () => {
    const token = await h.token('ccg', PARTIES.ccg, 'eager-ccg');
    const replies = await Promise.all(
      Array.from({ length: BURST + 3 }, () => h.get(token, `/contracts/${contractId}`, { minPosition: false })),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(BURST);
    const limited = replies.filter((r) => r.status === 429);
    expect(limited).toHaveLength(3);
    expect(limited[0]!.body.code).toBe('rate-limited');
    expect(limited[0]!.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });

  it('health needs no token and is never limited; a refused token is 401, not counted against anyone', async () => {
    for (const url of [h.commandUrl, h.queryUrl]) {
      const statuses = await Promise.all(
        Array.from({ length: 3 * BURST }, async () => (await fetch(`${url}/health`)).status),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
    }
    const bad = await Promise.all(
      Array.from({ length: 3 * BURST }, () => h.get('not.a.token', `/contracts/${contractId}`, { minPosition: false })),
    );
    expect(new Set(bad.map((r) => r.status))).toEqual(new Set([401]));
  });
});

describe('slow clients cannot pin the server (headersTimeout 500 ms, requestTimeout 1000 ms)', () => {
  const HEADERS_MS = 500;
  const REQUEST_MS = 1000;
  /**
   * A connection cannot be cut before its bound, and nothing else would cut it for a long time: a client dripping a
   * header line every 100 ms is never cut by Node's defaults (60 s for the headers, 300 s for the request) within
   * this. So a cut between the bound and this proves the bound, however busy the machine (which only makes it late).
   */
  const NOT_NODE_DEFAULTS_MS = 20_000;
  let h: InProcess;
  /** The same services with bounds no test reaches: slow clients stay connected for as long as a test needs. */
  let patient: InProcess;
  let token: string;
  beforeAll(async () => {
    h = await startInProcess({ serverTimeouts: { headersMs: HEADERS_MS, requestMs: REQUEST_MS } });
    patient = await startInProcess({ serverTimeouts: { headersMs: 120_000, requestMs: 240_000 } });
    token = await h.token('auditor', 'NAO');
  });
  afterAll(async () => {
    await h?.close();
    await patient?.close();
  });

  interface Slow {
    /** ms from connecting to the server closing the connection, and what it said. */
    closed: Promise<{ afterMs: number; said: string }>;
    /** Resolves once the opening and a first drip have been sent. */
    dripping: Promise<void>;
    isClosed(): boolean;
    stop(): void;
  }

  /** A raw socket that writes `opening`, then one more `drip` every `everyMs`, never finishing. */
  const slowClient = (url: string, opening: string, drip: string, everyMs: number): Slow => {
    const u = new URL(url);
    const started = performance.now();
    const socket: Socket = connect(Number(u.port), u.hostname);
    let said = '';
    let isClosed = false;
    let timer: ReturnType<typeof setInterval> | undefined;
    const dripping = new Promise<void>((resolve) =>
      socket.on('connect', () => {
        if (opening !== '') socket.write(opening);
        if (drip === '') resolve();
        else timer = setInterval(() => socket.writable && socket.write(drip, () => resolve()), everyMs);
      }),
    );
    socket.on('data', (d: Buffer) => (said += d.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<{ afterMs: number; said: string }>((resolve) =>
      socket.on('close', () => {
        isClosed = true;
        clearInterval(timer);
        resolve({ afterMs: performance.now() - started, said });
      }),
    );
    return { closed, dripping, isClosed: () => isClosed, stop: () => socket.destroy() };
  };

  /** Ordinary requests on both services of `on`: each must be served. */
  const ordinaryTraffic = async (on: InProcess, rounds: number): Promise<void> => {
    const auditor = await on.token('auditor', 'NAO');
    for (let i = 0; i < rounds; i += 1) {
      const [c, q] = await Promise.all([
        fetch(`${on.commandUrl}/health`),
        on.get(auditor, '/contracts', { minPosition: false }),
      ]);
      await c.text();
      expect(c.status).toBe(200);
      expect(q.status).toBe(200);
    }
  };
  const slowloris = (on: InProcess, who: string): Slow[] =>
    [on.commandUrl, on.queryUrl].flatMap((url) =>
      Array.from({ length: 20 }, (_, i) =>
        slowClient(
          url,
          `POST /contracts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${who}\r\n`,
          `X-Slow-${i}: x\r\n`,
          100,
        ),
      ),
    );

  it('slowloris: 40 connections sending a header line every 100 ms are answered 408 and closed at the bound', async () => {
    const clients = slowloris(h, token);
    try {
      for (const { afterMs, said } of await Promise.all(clients.map((c) => c.closed))) {
        expect(afterMs).toBeGreaterThanOrEqual(HEADERS_MS - 50);
        expect(afterMs).toBeLessThan(NOT_NODE_DEFAULTS_MS);
        expect(said).toMatch(/^HTTP\/1\.1 408 /);
      }
    } finally {
      clients.forEach((c) => c.stop());
    }
  });

  it('slowloris: while 40 such connections hold on, others are served', async () => {
    // On services whose bounds are far off, so that "while they hold on" does not depend on the machine's speed.
    const clients = slowloris(patient, await patient.token('auditor', 'NAO'));
    try {
      await Promise.all(clients.map((c) => c.dripping));
      await ordinaryTraffic(patient, 3);
      expect(clients.filter((c) => c.isClosed()), 'slow connections dropped before the others were served').toEqual([]);
    } finally {
      clients.forEach((c) => c.stop());
    }
  });

  it('a connection that sends nothing is closed within the header bound', async () => {
    const silent = [slowClient(h.commandUrl, '', '', 0), slowClient(h.queryUrl, '', '', 0)];
    for (const { afterMs } of await Promise.all(silent.map((c) => c.closed)))
      expect(afterMs).toBeLessThan(NOT_NODE_DEFAULTS_MS);
  });

  it('a body sent a byte every 100 ms is cut off at the request bound (408), and nothing is written', async () => {
    const before = await h.head();
    const csu = await h.token('csu', PARTIES.csu);
    const slow = slowClient(
      h.commandUrl,
      `POST /contracts/C-1/measurements HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${csu}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      ' ',
      100,
    );
    const { afterMs, said } = await slow.closed;
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(afterMs).toBeLessThan(NOT_NODE_DEFAULTS_MS);
    expect(said).toMatch(/^HTTP\/1\.1 408 /);
    expect(await h.head()).toBe(before);
  });

  it('a client that is slow but within the bounds is served, not cut off', async () => {
    // Slow (a line every 200 ms) but far inside the bounds, whatever the machine's speed: being slow is not refused.
    const u = new URL(patient.queryUrl);
    const socket = connect(Number(u.port), u.hostname);
    let said = '';
    socket.on('data', (d: Buffer) => (said += d.toString('latin1')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.on('connect', resolve));
    const lines = ['GET /health HTTP/1.1\r\n', 'Host: 127.0.0.1\r\n', 'X-A: 1\r\n', 'Connection: close\r\n', '\r\n'];
    for (const line of lines) {
      socket.write(line);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await closed;
    expect(said).toMatch(/^HTTP\/1\.1 200 /);
  });
});

// Issue 9: a request is refused for its token before any of its body is read or parsed, a refusal sent before the
// body arrived closes the connection, and a flood of bad tokens from one address is cut to 429 before any of them is
// verified, while other addresses, and callers whose token verified before, are still served.
describe('unauthenticated requests cost almost nothing', () => {
  const MARKER = 'marker-8c1d7e-never-parsed';
  let h: InProcess;
  let contractId: string;
  beforeAll(async () => {
    h = await startInProcess();
    contractId = await agreeContract(h, PARTIES);
  });
  afterAll(() => h?.close());

  const path = () => `/contracts/${contractId}/extras`;
  const body = (): string => JSON.stringify({ ...extraBody(), description: `${MARKER} ${'x'.repeat(100_000)}` });

  /** Every text JSON.parse was given while `run` ran: whether the server parsed the body is seen, not guessed. */
  const parsedWhile = async (run: () => Promise<unknown>): Promise<string[]> => {
    const spy = vi.spyOn(JSON, 'parse');
    try {
      await run();
      return spy.mock.calls.map(([text]) => String(text));
    } finally {
      spy.mockRestore();
    }
  };

  it('a POST with no token and malformed JSON → 401 missing-token, not 400; a form post too, not 415', async () => {
    const before = await h.head();
    const malformed = await h.post(undefined, path(), undefined, { raw: '{"amountPence": 1,' });
    expect(malformed.status, malformed.text).toBe(401);
    expect(malformed.contentType).toMatch(/^application\/problem\+json/);
    expect(malformed.body.code).toBe('missing-token');
    const form = await h.post(undefined, path(), undefined, { raw: 'a=1', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status, form.text).toBe(401);
    const bad = await h.post('not.a.token', path(), undefined, { raw: '{"amountPence": 1,' });
    expect(bad.status, bad.text).toBe(401);
    expect(bad.body.code).toBe('invalid-token');
    expect(await h.head()).toBe(before);
  });

  it('the body of a request without a good token is never parsed; with a good token it is', async () => {
    const refused = await parsedWhile(async () => {
      expect((await h.post(undefined, path(), undefined, { raw: body() })).status).toBe(401);
      expect((await h.post('not.a.token', path(), undefined, { raw: body() })).status).toBe(401);
    });
    expect(refused.filter((text) => text.includes(MARKER))).toEqual([]);
    // the same spy sees the body once a caller is known, so the check above can fail
    const token = await h.token('csu', PARTIES.csu);
    const accepted = await parsedWhile(async () => {
      expect((await h.post(token, path(), undefined, { raw: body() })).status).toBe(400); // description too long
    });
    expect(accepted.filter((text) => text.includes(MARKER))).toHaveLength(1);
  });

  /** Sends the headers of a request with a body of `declared` bytes and only the first `sent`; what came back. */
  const partialBody = (url: string, headers: string, declared: number, sent: number): Promise<{ said: string; closedByServer: boolean }> =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const socket = connect(Number(u.port), u.hostname);
      let said = '';
      socket.on('data', (d: Buffer) => (said += d.toString('latin1')));
      socket.on('error', reject);
      // the server ends the connection while we still owe it most of the body
      socket.on('end', () => {
        resolve({ said, closedByServer: true });
        socket.destroy();
      });
      socket.on('connect', () => {
        socket.write(
          `POST ${path()} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n${headers}Content-Length: ${declared}\r\n\r\n`,
        );
        socket.write(`{"description":"${'x'.repeat(sent - 17)}`);
      });
    });

  it('a refusal sent before the body has arrived says Connection: close and closes it: the rest is never read', async () => {
    const before = await h.head();
    for (const auth of ['', 'Authorization: Bearer not.a.token\r\n']) {
      const { said, closedByServer } = await partialBody(h.commandUrl, auth, 200_000, 1_000);
      expect(said).toMatch(/^HTTP\/1\.1 401 /);
      expect(said).toMatch(/\r\nConnection: close\r\n/i);
      expect(closedByServer).toBe(true);
    }
    expect(await h.head()).toBe(before);
  });

  describe('per client address, requests without a good token (allowance 3, refilled one an hour)', () => {
    let store: EventStore;
    let dir: string;
    let url: string;
    let server: Server;
    let verifications = 0;
    let secret: Uint8Array;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'csu-ledger-auth-flood-'));
      store = createSqliteEventStore(join(dir, 'events.db'));
      secret = new Uint8Array(randomBytes(32));
      const inner = createTokenVerifier({ mode: 'dev', secret });
      // counts the tokens that reach verification (those the allowance lets through)
      const counting = Object.assign((token: string) => (verifications++, inner(token)), { issuer: inner.issuer, known: inner.known });
      const app = createCommandApp({ store, verify: counting, logger: h.logger, clock: () => new Date(FIXED_NOW), authFailureLimit: { burst: 3, perSecond: 1 / 3600 } });
      ({ server, url } = await listen(app));
    });
    afterAll(async () => {
      await shut(server);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });

    const organisation = { businessDate: '2013-04-01', code: 'QAB', name: 'NHS Somewhere ICB', kind: 'ccg' };
    const post = (token: string | undefined, from: string) =>
      send(
        url,
        'POST',
        '/organisations',
        { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        Buffer.from(JSON.stringify(organisation)),
        false,
        from,
      );

    it('the 4th bad token from one address → 429 with Retry-After before it is verified; another address still gets 401; a token that verified before is still served', async () => {
      const admin = await signDevToken(secret, { sub: 'ada', org: 'NHS', roles: ['admin'] });
      // a caller proves who they are before the flood
      expect((await post(admin, '127.0.0.1')).status).toBe(201);
      const statuses: number[] = [];
      for (const token of [undefined, 'not.a.token', 'still.not.a.token']) statuses.push((await post(token, '127.0.0.1')).status);
      expect(statuses).toEqual([401, 401, 401]);
      const verifiedSoFar = verifications;
      for (const token of [undefined, 'not.a.token', 'x.y.z']) {
        const r = await post(token, '127.0.0.1');
        expectProblem(r, 429, 'rate-limited');
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      expect(verifications, 'tokens verified after the allowance ran out').toBe(verifiedSoFar);
      // another client is judged on its own
      expectProblem(await post('not.a.token', '127.0.0.2'), 401, 'invalid-token');
      // the caller whose token verified before is served from the flooded address (409: already registered)
      expectProblem(await post(admin, '127.0.0.1'), 409, 'already-exists');
      // a token never seen before waits like any other from that address: it could be one more bad one
      const newcomer = await signDevToken(secret, { sub: 'bea', org: 'NHS', roles: ['admin'] });
      expectProblem(await post(newcomer, '127.0.0.1'), 429, 'rate-limited');
      expectProblem(await post(newcomer, '127.0.0.3'), 409, 'already-exists');
    });
  });
});

describe('per-caller rate-limit buckets are kept by issuer, organisation and subject, not by subject alone', () => {
  let h: InProcess;
  let contractId: string;
  beforeAll(async () => {
    // two requests each, refilled one an hour: nothing here depends on how fast the machine is
    h = await startInProcess({ rateLimit: { burst: 2, perSecond: 1 / 3600 } });
    contractId = await agreeContract(h, PARTIES);
    // once the read models hold the contract (waited for by a caller of its own), reads below need not wait
    expect((await h.get(await h.token('auditor', 'NAO'), `/contracts/${contractId}`)).status).toBe(200);
  });
  afterAll(() => h?.close());

  it('one subject holding tokens for two organisations has a bucket for each', async () => {
    const read = (token: string) => h.get(token, `/contracts/${contractId}`, { minPosition: false });
    const atCsu = await h.token('csu', PARTIES.csu, 'pat');
    const atCcg = await h.token('ccg', PARTIES.ccg, 'pat');
    expect([(await read(atCsu)).status, (await read(atCsu)).status, (await read(atCsu)).status]).toEqual([200, 200, 429]);
    expect((await read(atCcg)).status).toBe(200);
  });
});
