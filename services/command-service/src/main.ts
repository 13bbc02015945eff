// Composition root: the one place that picks the store and the token verifier, then listens.
import { verifierFromSettings } from '@csu-ledger/auth';
import { openEventStore, withStreamCache } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { createCommandApp } from './app.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
const logger = createLogger('command-service', config.logLevel);
// Commands read their stream before every decision: keep recent streams in memory and read only their tails.
const store = withStreamCache(openEventStore(config.store));
const verify = await verifierFromSettings(config.auth);
const app = createCommandApp({ store, verify, logger, bodyLimit: config.bodyLimit });
const server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, host: config.host, store: config.store.replace(/\/\/[^@/]*@/, '//***@') }, 'command service listening');
  // A line on stdout that the CLI and tests wait for.
  process.stdout.write(`command-service listening on http://${config.host}:${port}\n`);
});
// Slow clients cannot pin the server: bounded header and request times.
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;

const stop = (signal: string) => {
  logger.info({ signal }, 'stopping');
  server.close(() => {
    void store.close().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
