// Composition root of the query service: the log, its own read-model file, the projector and the HTTP app.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { verifierFromSettings } from '@csu-ledger/auth';
import { openEventStore } from '@csu-ledger/event-store';
import { applyServerTimeouts, createLogger, DEFAULT_SERVER_TIMEOUTS, secureDataDir } from '@csu-ledger/http';
import { loadPublicKey } from '@csu-ledger/integrity';
import { createQueryApp } from './app.ts';
import { loadConfig } from './config.ts';
import { lockReadModels, ReadModelsLocked } from './lock.ts';
import { startProjector } from './projector.ts';
import { openReadModels, READ_MODEL_VERSION } from './read-models.ts';

const config = loadConfig();
secureDataDir(config.dataDir); // issue 9: the data folder and everything this process writes are its owner's alone
const logger = createLogger('query-service', config.logLevel);
mkdirSync(dirname(config.readModels), { recursive: true });
// One writer per read-model file; a rebuild --replace refuses while we hold it (lock.ts). Released on exit, even kill -9.
let lock: ReturnType<typeof lockReadModels>;
try {
  lock = lockReadModels(config.readModels, 'the query service', 2_000);
} catch (err) {
  if (!(err instanceof ReadModelsLocked)) throw err;
  logger.fatal({ lock: err.path, holder: err.holder }, 'the read models are in use by another process');
  process.stderr.write(`query-service: ${err.message}\n`);
  process.exit(1);
}
const store = openEventStore(config.store);
const models = openReadModels(config.readModels, {
  otherVersion: 'reset',
  onReset: (from) => logger.warn({ from, to: READ_MODEL_VERSION }, 'read models of another version: emptied, rebuilding them from the log'),
});
if (config.projectionSkip.length > 0) {
  logger.warn({ positions: config.projectionSkip.map(String) }, 'LEDGER_PROJECTION_SKIP: these events are skipped if they cannot be applied');
}
const projector = startProjector(store, models, logger, { skip: config.projectionSkip });
const verify = await verifierFromSettings(config.auth);
// Read on each check: the command service creates the key on its first start, which may come after ours.
const app = createQueryApp({ store, models, projector, verify, logger, rateLimit: config.rateLimit, integrityKey: () => loadPublicKey(config.integrity) });
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
    models.close();
    lock.release();
    void store.close().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
