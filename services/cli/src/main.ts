// `pnpm ledger <command>`: the command-line tool (API.md: Processes and ports). It reads the same environment as
// the services. Everything it prints on stdout is meant for the user; diagnostics go to stderr.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { devSecret, signDevToken } from '@csu-ledger/auth';
import { ROLES, type Role } from '@csu-ledger/domain';
import { defaultStoreSpec, openEventStore } from '@csu-ledger/event-store';
import { loadDemo, tokenFor } from './demo.ts';
import { exportCommand, verifyCommand, type CliEnvironment } from './integrity.ts';
import { rebuild } from './rebuild.ts';
import { startBoth } from './launch.ts';
import { CONTRACT_ID, DEMO_ACTORS } from './worked-example.ts';

const HELP = `CSU Ledger command-line tool

Usage: pnpm ledger <command> [options]

Commands:
  start [--demo]      start the command service (port LEDGER_COMMAND_PORT, default 4100) and the query service
                      (LEDGER_QUERY_PORT, default 4200) as separate processes on the configured store;
                      --demo also loads DOMAIN.md's worked example (idempotent: safe on every start)
  token --role <admin|csu|ccg|auditor> --org <code> --sub <id> [--name <display name>] [--expires <e.g. 8h>]
                      print a bearer token signed with the local development key (and nothing else)
  verify [--file <export.ndjson>] [--public-key <path>]
                      check the integrity of the whole log (every event's hash chain, every stream, every signed
                      head), or of an exported file offline; exit 0 with a summary when intact, exit 1 naming the
                      first altered, missing or reordered event (stream, revision, position) otherwise
  export --contract <id> [--asAt <instant>] [--out <file>]
                      write the contract's full history (its extras and challenges, and the signed heads over them)
                      as NDJSON, one event a line with its hashes, as recorded by --asAt; stdout by default
  rebuild [--replace] rebuild the query service's read models from the log, with progress, and prove them equal to
                      the live ones by fingerprint (exit 1 if they differ; --replace swaps the rebuilt ones in:
                      stop the query service first)
  help                this text

Environment: LEDGER_DATA_DIR (default ./data), LEDGER_STORE (default sqlite:<data dir>/events.db),
LEDGER_HOST, LEDGER_COMMAND_PORT, LEDGER_QUERY_PORT, LEDGER_JWT_SECRET, LEDGER_LOG_LEVEL,
LEDGER_INTEGRITY_KEY (the chain-head signing key, default <data dir>/integrity-key.pem),
LEDGER_INTEGRITY_PUBLIC_KEY (the key verify trusts, default <data dir>/integrity-key.pub.pem),
LEDGER_SIGN_INTERVAL_MS (how often the command service signs changed heads, default 60000),
LEDGER_READ_MODELS (default <data dir>/read-models.db), LEDGER_BODY_LIMIT (default 256kb),
LEDGER_RATE_LIMIT_BURST and LEDGER_RATE_LIMIT_PER_SECOND (per caller; burst 0 turns the limit off),
LEDGER_PROJECTION_SKIP (positions of known-bad events the query service may pass over, logged),
LEDGER_FOLD_WORKERS (threads for time travel and history, default 1; 0 runs them in the event loop),
LEDGER_PAST_QUEUE_PER_ORG and LEDGER_PAST_QUEUE (their waiting jobs per organisation, default 8, then 429;
and in all, default 128, then 503).
See README.md: Configuration.
`;

const env = process.env;
const dataDir = resolve(env.LEDGER_DATA_DIR ?? './data');
const authSettings = { dataDir, jwtSecret: env.LEDGER_JWT_SECRET };
const integrityEnv: CliEnvironment = {
  dataDir,
  store: env.LEDGER_STORE,
  publicKeyPath: env.LEDGER_INTEGRITY_PUBLIC_KEY,
  privateKeyPath: env.LEDGER_INTEGRITY_KEY,
};
const print = (line: string) => process.stdout.write(`${line}\n`);

const fail = (message: string): never => {
  process.stderr.write(`${message}\n\nRun "pnpm ledger help" for usage.\n`);
  process.exit(2);
};

const token = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, org: { type: 'string' }, sub: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' } },
    strict: true,
  });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) fail('--role must be one of admin, csu, ccg, auditor');
  if (!values.org) fail('--org <code> is required (e.g. 08J, 0AX)');
  if (!values.sub) fail('--sub <id> is required (the user id)');
  const secret = await devSecret(authSettings);
  process.stdout.write(
    `${await signDevToken(secret, { sub: values.sub!, name: values.name ?? values.sub!, org: values.org!.toUpperCase(), roles: [role!], ...(values.expires ? { expiresIn: values.expires } : {}) })}\n`,
  );
};

const start = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({ args, options: { demo: { type: 'boolean', default: false } }, strict: true });
  const secret = await devSecret(authSettings); // created before the services start, so both read one key
  const running = await startBoth({ dataDir });
  const { command, query } = running;
  process.stdout.write(`\nCSU Ledger is running (data folder ${dataDir}, logs in ${resolve(dataDir, 'logs')})\n`);
  process.stdout.write(`  command service  ${command.url}   (POST)\n  query service    ${query.url}   (GET)\n`);
  if (values.demo) {
    const position = await loadDemo(command.url, secret);
    process.stdout.write(
      position === undefined
        ? `  demo data        already loaded (contract ${CONTRACT_ID})\n`
        : `  demo data        DOMAIN.md's worked example loaded as contract ${CONTRACT_ID} (log position ${position})\n`,
    );
    const finance = await tokenFor(secret, DEMO_ACTORS.ccg);
    process.stdout.write(
      `\nTry it (a CCG finance token for Kingston CCG, 08J):\n` +
        `  TOKEN=${finance}\n` +
        `  curl -H "Authorization: Bearer $TOKEN" ${query.url}/contracts/${CONTRACT_ID}/settlements/2025-26-Q1\n`,
    );
  }
  process.stdout.write(
    `\nTokens for other users: pnpm ledger token --role <admin|csu|ccg|auditor> --org <code> --sub <id>\n` +
      `Health: curl ${command.url}/health ; curl ${query.url}/health\nPress Ctrl+C to stop.\n`,
  );
  const stop = () => void running.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const s of [command, query]) {
    s.process.once('exit', (code) => {
      process.stderr.write(`${s.name} service stopped (exit ${code}); stopping the other\n`);
      void running.stop().then(() => process.exit(code ?? 1));
    });
  }
};

const [commandName, ...rest] = process.argv.slice(2);
try {
  switch (commandName) {
    case 'start':
      await start(rest);
      break;
    case 'token':
      await token(rest);
      break;
    case 'verify':
      process.exitCode = await verifyCommand(rest, integrityEnv, print);
      break;
    case 'export':
      process.exitCode = await exportCommand(rest, integrityEnv, (text) => process.stdout.write(text), (line) => process.stderr.write(`${line}\n`));
      break;
    case 'rebuild': {
      const { values } = parseArgs({ args: rest, options: { replace: { type: 'boolean', default: false } }, strict: true });
      const store = openEventStore(env.LEDGER_STORE ?? defaultStoreSpec(dataDir));
      process.exitCode = await rebuild(store, resolve(env.LEDGER_READ_MODELS ?? resolve(dataDir, 'read-models.db')), values.replace);
      await store.close();
      break;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      break;
    default:
      fail(`unknown command ${JSON.stringify(commandName)}`);
  }
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
