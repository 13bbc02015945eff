// Composition root: the one place that picks the store and the token verifier, then listens.
import { verifierFromSettings } from '@csu-ledger/auth';
import { openEventStore, redactStoreSpec, withStreamCache } from '@csu-ledger/event-store';
import { applyServerTimeouts, createLogger, DEFAULT_SERVER_TIMEOUTS, secureDataDir } from '@csu-ledger/http';
import { createHeadSigner, loadOrCreateSigningKey } from '@csu-ledger/integrity';
import { createCommandApp } from './app.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
// Issue 9: the data folder and everything this process writes are its owner's alone.
secureDataDir(config.dataDir);
const logger = createLogger('command-service', config.logLevel);
// Commands read their stream before every decision: keep recent streams in memory and read only their tails.
const store = withStreamCache(openEventStore(config.store));
const verify = await verifierFromSettings(config.auth);
// Issue 5: chain heads are signed with a key kept outside the store, at each approval and periodically.
const key = await loadOrCreateSigningKey(config.integrity);
const signer = createHeadSigner({ store, key });
const stopSigning = signer.startPeriodic(config.integrity.signIntervalMs, (err) => logger.error({ err }, 'periodic signing of chain heads failed'));
logger.info({ keyId: key.keyId, signIntervalMs: config.integrity.signIntervalMs }, 'integrity signing key loaded');
const app = createCommandApp({ store, verify, logger, bodyLimit: config.bodyLimit, signer, rateLimit: config.rateLimit, authFailureLimit: config.authFailureLimit });
const server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, host: config.host, store: redactStoreSpec(config.store) }, 'command service listening');
  // A line on stdout that the CLI and tests wait for.
  process.stdout.write(`command-service listening on http://${config.host}:${port}\n`);
});
// Slow clients cannot pin the server: bounded header and request times (set before the 'listening' event).
applyServerTimeouts(server, DEFAULT_SERVER_TIMEOUTS);

const stop = (signal: string) => {
  logger.info({ signal }, 'stopping');
  stopSigning();
  server.close(() => {
    void store.close().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
