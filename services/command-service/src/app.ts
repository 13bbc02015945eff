// The command service's HTTP app (STYLE.md pattern 8: factories with explicit dependencies).
import type { Express } from 'express';
import { createPipeline } from './pipeline.ts';
import { londonDate } from '@csu-ledger/domain';
import { authenticate, type AuthenticateOptions, type TokenVerifier } from '@csu-ledger/auth';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import { baseApp, finishApp, jsonBody, rateLimit, type Logger, type Metrics, type RateLimitOptions } from '@csu-ledger/http';
import { signingAfter, type HeadSigner, type ReceiptSubject } from '@csu-ledger/integrity';
import { childRoutes } from './routes/children.ts';
import { contractRoutes } from './routes/contracts.ts';
import { organisationRoutes } from './routes/organisations.ts';
import { commandOpenApi } from './openapi.ts';

export interface CommandAppOptions {
  /** Request counts and latency, and GET /metrics (issue 10). */
  metrics?: Metrics | undefined;
  store: EventStore;
  verify: TokenVerifier;
  logger: Logger;
  clock?: () => Date;
  bodyLimit?: string;
  /** Per-caller token bucket after authentication (issue 6); default burst 1000, 500/s; false: none. */
  rateLimit?: RateLimitOptions | false | undefined;
  /** Per client address, requests without a good token before 429 (issue 9); default burst 500, 50/s; false: none. */
  authFailureLimit?: AuthenticateOptions['failures'];
  /** Signs the chain heads of a contract's group right after each settlement approval (issue 5), its receipt (14). */
  signer?: HeadSigner | undefined;
}

export const createCommandApp = ({ store, verify, logger, clock = () => new Date(), bodyLimit, signer, rateLimit: limit, authFailureLimit, metrics }: CommandAppOptions): Express => {
  // GET /openapi.json and /docs come before authentication (API.md: no token needed).
  const app = baseApp({ logger, metrics, apiDocs: { document: commandOpenApi, title: 'CSU Ledger: command service' } });
  app.get('/health', (_req, res) => {
    store.headPosition().then(
      (position) => res.json({ status: 'ok', service: 'command', position: position.toString() }),
      () => res.status(503).json({ status: 'unavailable', service: 'command' }),
    );
  });
  // Issue 9: who is calling, then whether they may call this often, and only then is a body read.
  app.use(authenticate(verify, { failures: authFailureLimit }));
  if (limit !== false) app.use(rateLimit(limit));
  app.use(jsonBody(bodyLimit));
  const recording = signer
    ? signingAfter(store, signer, ['SettlementApproved'], (err) => logger.error({ err }, 'signing the chain heads after an approval failed'))
    : store;
  const pipeline = createPipeline(recording);
  const deps = {
    // Commands read their streams as the pipeline sees them: with the events of appends still in flight.
    store: pipeline.store,
    today: () => londonDate(clock()),
    execute: pipeline.execute,
    receipt: signer && ((event: RecordedEvent, root: string, subject: ReceiptSubject) => signer.receiptFor(event, root, subject)),
  };
  // Every route of these routers is documented in openapi.ts (one `command({...})` each): test/int/openapi.int.test.ts
  // fails on a route mounted and not documented.
  app.use(organisationRoutes(deps));
  app.use(contractRoutes(deps));
  app.use(childRoutes(deps));
  return finishApp(app, { logger });
};
