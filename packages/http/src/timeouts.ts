// Slow clients cannot pin the server (issue 6: limits): a connection that has not sent its headers within
// `headersMs`, or its whole request within `requestMs`, is answered 408 and closed by Node itself.
import type { Server } from 'node:http';

export interface ServerTimeouts {
  /** Longest time from connecting (or from the previous request on the connection) to the end of the headers. */
  headersMs: number;
  /** Longest time to receive a whole request, body included. */
  requestMs: number;
}

export const DEFAULT_SERVER_TIMEOUTS: Readonly<ServerTimeouts> = { headersMs: 10_000, requestMs: 30_000 };

/**
 * Sets the limits, and how often Node looks for connections past them (its default is every 30 s, which would let a
 * slow client hold a connection up to 30 s beyond the limit). Call it before the server's 'listening' event, i.e.
 * right after `app.listen(…)` returns or before `server.listen(…)`: Node starts its checking timer on that event.
 */
export const applyServerTimeouts = <S extends Server>(server: S, { headersMs, requestMs }: ServerTimeouts): S => {
  if (!(headersMs > 0 && requestMs >= headersMs)) {
    throw new RangeError(`server timeouts need 0 < headersMs <= requestMs, got ${headersMs} and ${requestMs}`);
  }
  server.headersTimeout = headersMs;
  server.requestTimeout = requestMs;
  // a quarter of the shortest limit, so a connection is closed at most 25% late; between 50 ms and 5 s
  // the option is only typed for createServer, but Node reads the property when the server starts listening
  Object.assign(server, { connectionsCheckingInterval: Math.min(5_000, Math.max(50, Math.floor(headersMs / 4))) });
  return server;
};
