// The benchmark's open-loop generator (scripts/bench/open-loop.ts, issue 15) against a real HTTP server that holds
// its answers: latency must run from each request's scheduled send time, so a service that stalls shows the whole
// stall (no coordinated omission), and requests never answered are counted, not silently dropped.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openLoop } from '../../scripts/bench/harness.ts';

const servers: { close: () => void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A server that answers nothing until `release` requests have arrived, then all of them at once (or never). */
const holdingServer = (release: number | null): Promise<string> =>
  new Promise((ready) => {
    const held: ServerResponse<IncomingMessage>[] = [];
    const server = createServer((_req, res) => {
      held.push(res);
      if (release !== null && held.length === release) {
        for (const r of held.splice(0))
          r.writeHead(200, { 'content-type': 'application/json' }).end('{"position":"7"}');
      }
    });
    servers.push({
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    });
    server.listen(0, '127.0.0.1', () => ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });

describe('the open-loop generator', () => {
  it('counts latency from the scheduled send time: a stall of the whole schedule shows in full', async () => {
    // 40 requests over 1 s; none is answered before the last has arrived, so the first waited about a second.
    const url = await holdingServer(40);
    const r = await openLoop({
      url,
      rate: 40,
      seconds: 1,
      requests: [{ method: 'GET', path: '/x', headers: {} }],
    });
    expect(r.sent).toBe(40);
    expect(r.ok).toBe(40);
    expect(r.unanswered).toBe(0);
    expect(r.lastPosition).toBe('7');
    // A closed loop would have measured each request from when it got its turn; here the first counts the stall.
    expect(r.latency.max).toBeGreaterThanOrEqual(900);
    expect(r.latency.p50).toBeGreaterThanOrEqual(400);
  });

  it('counts requests never answered as unanswered, their waits in the percentiles as a lower bound', async () => {
    const url = await holdingServer(null);
    const r = await openLoop({
      url,
      rate: 20,
      seconds: 0.5,
      drainSeconds: 0.2,
      requests: [{ method: 'POST', path: '/x', headers: { 'content-type': 'application/json' }, body: '{}' }],
    });
    expect(r.sent).toBe(10);
    expect(r.ok).toBe(0);
    expect(r.unanswered).toBe(10);
    expect(r.latency.n).toBe(10);
    expect(r.latency.max).toBeGreaterThanOrEqual(200);
    expect(r.throughput).toBe(0);
  });
});
