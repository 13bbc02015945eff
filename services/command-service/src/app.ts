// The command service's HTTP app (STYLE.md pattern 8: factories with explicit dependencies).
import type { Express } from 'express';
import { londonDate } from '@csu-ledger/domain';
import { authenticate, type TokenVerifier } from '@csu-ledger/auth';
import type { EventStore } from '@csu-ledger/event-store';
import { baseApp, finishApp, type Logger } from '@csu-ledger/http';
import { childRoutes } from './routes/children.ts';
import { contractRoutes } from './routes/contracts.ts';
import { organisationRoutes } from './routes/organisations.ts';

export interface CommandAppOptions {
  store: EventStore;
  verify: TokenVerifier;
  logger: Logger;
  clock?: () => Date;
  bodyLimit?: string;
}

export const createCommandApp = ({ store, verify, logger, clock = () => new Date(), bodyLimit }: CommandAppOptions): Express => {
  const app = baseApp({ logger, ...(bodyLimit ? { bodyLimit } : {}) });
  app.get('/health', (_req, res) => {
    store.headPosition().then(
      (position) => res.json({ status: 'ok', service: 'command', position: position.toString() }),
      () => res.status(503).json({ status: 'unavailable', service: 'command' }),
    );
  });
  app.use(authenticate(verify));
  const deps = { store, today: () => londonDate(clock()) };
  app.use(organisationRoutes(deps));
  app.use(contractRoutes(deps));
  app.use(childRoutes(deps));
  return finishApp(app, { logger });
};
