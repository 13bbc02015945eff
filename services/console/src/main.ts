// Composition root of the console: config, the two services' URLs, the sign-in the config asks for, the app.
import { applyServerTimeouts, createLogger, DEFAULT_SERVER_TIMEOUTS } from '@csu-ledger/http';
import { createApi } from './api.ts';
import { createConsoleApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createSignIn } from './signin.ts';

const config = loadConfig();
const logger = createLogger('console', config.logLevel);
const signIn = await createSignIn(config);
const app = createConsoleApp({
  api: createApi({ commandUrl: config.commandUrl, queryUrl: config.queryUrl }),
  signIn,
  sessions: config.sessions,
  secureCookies: config.secureCookies,
  logger,
});
const server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // The line the CLI and tests wait for (services/cli/src/launch.ts), whatever LEDGER_LOG_LEVEL says.
  logger
    .child({}, { level: 'info' })
    .info({ url: `http://${host}:${port}`, commandUrl: config.commandUrl, queryUrl: config.queryUrl, signIn: signIn.mode }, 'console service listening');
});
applyServerTimeouts(server, DEFAULT_SERVER_TIMEOUTS);

const stop = (signal: string) => {
  logger.info({ signal }, 'stopping');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
