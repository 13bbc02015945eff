// Composition root of the query service: the log, its own read-model file, the projector and the HTTP app.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { verifierFromSettings } from '@csu-ledger/auth';
import { openEventStore } from '@csu-ledger/event-store';
import { applyServerTimeouts, createLogger, createMetrics, DEFAULT_SERVER_TIMEOUTS, LATENCY_BUCKETS, secureDataDir } from '@csu-ledger/http';
import { loadPublicKey } from '@csu-ledger/integrity';
import { createQueryApp } from './app.ts';
import { loadConfig } from './config.ts';
import { lockReadModels, ReadModelsLocked } from './lock.ts';
import { createInlineRunner, createWorkerRunner } from './past-runner.ts';
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
  logger.fatal({ lock: err.path, holder: err.holder, reason: err.message }, 'the read models are in use by another process');
  process.exit(1);
}
const metrics = createMetrics('query');
const store = openEventStore(config.store);
const models = openReadModels(config.readModels, {
  otherVersion: 'reset',
  onReset: (from) => logger.warn({ from, to: READ_MODEL_VERSION }, 'read models of another version: emptied, rebuilding them from the log'),
});
if (config.projectionSkip.length > 0) {
  logger.warn({ positions: config.projectionSkip.map(String) }, 'LEDGER_PROJECTION_SKIP: these events are skipped if they cannot be applied');
}
// Projection lag as users feel it: from an event's recorded time to the moment its batch is in the read models.
const lag = metrics.histogram('ledger_projection_lag_seconds', 'Time from an event being recorded to its being projected', LATENCY_BUCKETS);
const projector = startProjector(store, models, logger, {
  skip: config.projectionSkip,
  onCommitted: (events) => {
    const now = Date.now();
    for (const e of events) lag.observe(Math.max(0, now - Date.parse(e.recordedAt)) / 1000);
  },
});
metrics.gauge('ledger_projection_position', 'Last log position in the read models', () => projector.status().position);
metrics.gauge('ledger_projection_behind_events', 'Log positions recorded but not yet projected', async () => {
  const head = await store.headPosition();
  const at = projector.status().position;
  return head > at ? head - at : 0n;
});
metrics.gauge('ledger_projection_quarantined', 'Contracts and register entries whose projection stopped at an event', () => models.quarantines().length);
metrics.gauge('ledger_projection_stopped', '1 while the projection as a whole is stopped or its subscription is down', () => (projector.status().failure ? 1 : 0));
const verify = await verifierFromSettings(config.auth);
// Read on each check: the command service creates the key on its first start, which may come after ours.
// Time travel and history: folded in worker threads that open the store themselves (past-runner.ts).
const { workers, perKeyQueue, totalQueue } = config.past;
const past =
  workers > 0
    ? createWorkerRunner({ storeSpec: config.store, readModels: config.readModels, workers, perKeyQueue, totalQueue, logger })
    : createInlineRunner(store, { perKeyQueue, totalQueue }, models);
const app = createQueryApp({ store, models, projector, verify, logger, metrics, rateLimit: config.rateLimit, integrityKey: () => loadPublicKey(config.integrity), past });
const server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // The line the CLI and tests wait for (services/cli/src/launch.ts): JSON like every other line of the log, and
  // written whatever LEDGER_LOG_LEVEL says, since starting depends on it.
  logger.child({}, { level: 'info' }).info({ url: `http://${config.host}:${port}`, position: projector.status().position.toString() }, 'query service listening');
});
// Slow clients cannot pin the server: bounded header and request times (set before the 'listening' event).
applyServerTimeouts(server, DEFAULT_SERVER_TIMEOUTS);

const stop = (signal: string) => {
  logger.info({ signal }, 'stopping');
  projector.stop();
  server.close(() => {
    void past.close();
    models.close();
    lock.release();
    void store.close().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
