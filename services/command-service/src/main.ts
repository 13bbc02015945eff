// Composition root: the one place that picks the store and the token verifier, then listens.
import { verifierFromSettings } from '@csu-ledger/auth';
import { observeStore, openEventStore, redactStoreSpec, withStreamCache } from '@csu-ledger/event-store';
import { applyServerTimeouts, createLogger, createMetrics, DEFAULT_SERVER_TIMEOUTS, secureDataDir } from '@csu-ledger/http';
import { createHeadSigner, KeyNotInForceError, loadOrCreateSigningKey, loadSigningKeyById } from '@csu-ledger/integrity';
import type { EventStore } from '@csu-ledger/event-store';
import { createCommandApp } from './app.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
// Issue 9: the data folder and everything this process writes are its owner's alone.
secureDataDir(config.dataDir);
const logger = createLogger('command-service', config.logLevel);
const metrics = createMetrics('command');
// Commands read their stream before every decision: keep recent streams in memory and read only their tails.
// Every append is timed, every group commit counted, for /metrics.
const store = withStreamCache(observeStore(openEventStore(config.store, { onCommit: metrics.store.committed }), metrics.store));
const verify = await verifierFromSettings(config.auth);
// Issue 5: chain heads are signed with a key kept outside the store, at each approval and periodically; issue 14: also
// at start (covering what a crash left unsigned) and at a graceful stop, only ever with the key the log has in force
// (a key rotated by `pnpm ledger rotate-key` is picked up from the key file).
const key = await loadOrCreateSigningKey(config.integrity);
const signIntervalMs = config.integrity.signIntervalMs;
const signer = createHeadSigner({ store, key, intervalMs: signIntervalMs, reloadKey: (id) => loadSigningKeyById(config.integrity, id) });
try {
  await signer.signChanged('start');
} catch (err) {
  if (err instanceof KeyNotInForceError) {
    logger.fatal({ reason: err.message }, 'refusing to start: the integrity signing key is not the one in force');
    process.exit(1);
  }
  logger.error({ err }, 'signing the chain heads at start failed; the periodic signing will cover them');
}
const stopSigning = signer.startPeriodic((err) => logger.error({ err }, 'periodic signing of chain heads failed'));
logger.info({ keyId: key.keyId, signIntervalMs }, 'integrity signing key loaded');
// A log that has never been signed is signed soon after its first events (a sixtieth of the interval: a second by
// default), not at the first interval: until then verify finds events and no signed head, which is not intact (issue
// 14), and a fresh `pnpm ledger start --demo` should check out at once. Later events wait for the interval as usual.
// A store not reachable yet (PostgreSQL connects in the background) must not stop the start: then sign early anyway,
// which at worst signs the changed heads before the interval. The start's signing has just read the heads stream's
// end: whether it holds anything is known without reading it again (at 1M events, one 21.5 MB signature).
let unsignedLog = !signer.signedBefore();
const commandStore: EventStore = {
  ...store,
  appendToStream: async (streamName, events, options) => {
    const result = await store.appendToStream(streamName, events, options);
    if (unsignedLog) {
      unsignedLog = false;
      setTimeout(() => {
        signer.signChanged('periodic').catch((err: unknown) => logger.error({ err }, 'signing a new log’s first events failed; the periodic signing will cover them'));
      }, Math.max(1_000, Math.floor(signIntervalMs / 60))).unref();
    }
    return result;
  },
};
const app = createCommandApp({ store: commandStore, verify, logger, metrics, bodyLimit: config.bodyLimit, signer, rateLimit: config.rateLimit, authFailureLimit: config.authFailureLimit });
const server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // The line the CLI and tests wait for (services/cli/src/launch.ts): JSON like every other line of the log, and
  // written whatever LEDGER_LOG_LEVEL says, since starting depends on it.
  logger.child({}, { level: 'info' }).info({ url: `http://${config.host}:${port}`, store: redactStoreSpec(config.store) }, 'command service listening');
});
// Slow clients cannot pin the server: bounded header and request times (set before the 'listening' event).
applyServerTimeouts(server, DEFAULT_SERVER_TIMEOUTS);

const stop = (signal: string) => {
  logger.info({ signal }, 'stopping');
  stopSigning();
  server.close(() => {
    // What was written since the last signing is signed before the store closes (issue 14).
    void signer
      .signChanged('stop')
      .catch((err: unknown) => logger.error({ err }, 'signing the chain heads at stop failed; the next start will cover them'))
      .then(() => store.close())
      .then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
