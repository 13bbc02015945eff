// Composition root of the query service: the log, its own read-model file, the projector and the HTTP app.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { verifierFromSettings } from '@csu-ledger/auth';
import { openEventStore } from '@csu-ledger/event-store';
import { applyServerTimeouts, createLogger, DEFAULT_SERVER_TIMEOUTS } from '@csu-ledger/http';
import { loadPublicKey } from '@csu-ledger/integrity';
import { createQueryApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createInlineRunner, createWorkerRunner } from './past-runner.ts';
import { startProjector } from './projector.ts';
import { openReadModels } from './read-models.ts';

const config = loadConfig();
const logger = createLogger('query-service', config.logLevel);
mkdirSync(dirname(config.readModels), { recursive: true });
const store = openEventStore(config.store);
const models = openReadModels(config.readModels);
if (config.projectionSkip.length > 0) {
  logger.warn({ positions: config.projectionSkip.map(String) }, 'LEDGER_PROJECTION_SKIP: these events are skipped if they cannot be applied');
}
const projector = startProjector(store, models, logger, { skip: config.projectionSkip });
const verify = await verifierFromSettings(config.auth);
// Read on each check: the command service creates the key on its first start, which may come after ours.
// Time travel and history: folded in worker threads that open the store themselves (past-runner.ts).
const { workers, perKeyQueue, totalQueue } = config.past;
const past =
  workers > 0
    ? createWorkerRunner({ storeSpec: config.store, readModels: config.readModels, workers, perKeyQueue, totalQueue, logger })
    : createInlineRunner(store, { perKeyQueue, totalQueue }, models);
const app = createQueryApp({ store, models, projector, verify, logger, rateLimit: config.rateLimit, integrityKey: () => loadPublicKey(config.integrity), past });
const server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, host: config.host, position: projector.status().position.toString() }, 'query service listening');
  process.stdout.write(`query-service listening on http://${config.host}:${port}\n`);
});
// Slow clients cannot pin the server: bounded header and request times (set before the 'listening' event).
applyServerTimeouts(server, DEFAULT_SERVER_TIMEOUTS);

const stop = (signal: string) => {
  logger.info({ signal }, 'stopping');
  projector.stop();
  server.close(() => {
    void past.close();
    models.close();
    void store.close().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
