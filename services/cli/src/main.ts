// `pnpm ledger <command>`: the command-line tool (API.md: Processes and ports). It reads the same environment as
// the services. Everything it prints on stdout is meant for the user; diagnostics go to stderr. Each command's
// module is loaded only when that command runs (issue 10: `pnpm ledger token` must not load a store or express),
// and compiled code is cached between runs.
import { cacheCompiledCode } from '@csu-ledger/http/compile-cache';
import { restrictNewFiles } from '@csu-ledger/http/data-dir';

// Before anything else is imported: Node keeps the compiled (type-stripped) modules for the next run, for this
// process and for the services `start` runs.
cacheCompiledCode();

interface Command {
  usage: string;
  help: string;
  run: (args: string[]) => Promise<number | 'running'>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    usage: 'start [--demo]',
    help: `start the command service (port LEDGER_COMMAND_PORT, default 4100), the query service (LEDGER_QUERY_PORT,
default 4200) and the web console (LEDGER_CONSOLE_PORT, default 4300) as separate processes on the configured store;
--demo also loads DOMAIN.md's worked example (idempotent: safe on every start). Ctrl+C stops all three.`,
    run: async (args) => (await import('./commands/start.ts')).run(args),
  },
  token: {
    usage: 'token --role <admin|csu|ccg|auditor> --org <code> --sub <id> [--name <display name>] [--expires <e.g. 8h>]',
    help: `print a bearer token signed with the local development key (and nothing else), for curl or scripts:
  TOKEN=$(pnpm -s ledger token --role ccg --org 08J --sub tom.baker --name "Tom Baker")`,
    run: async (args) => (await import('./commands/token.ts')).run(args),
  },
  verify: {
    usage: 'verify [--file <export.ndjson> | --receipt <receipt.json>] [--public-key <path>]',
    help: `check the integrity of the whole log (every event's hash chain, every stream, every signed head, each checked
with the key in force when it was signed, following the recorded key changes from the first key: --public-key, else
<data dir>/integrity-key.pub.pem), or of an exported file offline; exit 0 with a summary when intact, exit 1 naming
the first altered, missing, reordered or unsigned event (stream, revision, position) otherwise. An event no signature
covers is unsigned once it is two signing intervals older than the latest signed head or than now, or when a later
signing of the whole log read past it; a log with events and no signature is not intact.
--receipt checks a receipt (an approval's answer, or \`pnpm ledger receipt\`) against the log: exit 0 when the log
still holds, unchanged, everything its signed head vouched for, whatever became of the signed heads since.`,
    run: async (args) => (await import('./commands/verify.ts')).run(args),
  },
  receipt: {
    usage: 'receipt [--contract <id>] [--out <file>]',
    help: `print the latest receipt as JSON: with --contract, the signed head that covers its latest settlement approval
(what the approval answered with), else the latest signed head of the whole log. Keep it outside the system;
\`pnpm ledger verify --receipt <file>\` checks it.`,
    run: async (args) => (await import('./commands/receipt.ts')).run(args),
  },
  'rotate-key': {
    usage: 'rotate-key',
    help: `replace the key that signs chain heads (LEDGER_INTEGRITY_KEY or <data dir>/integrity-key.pem) with a new one:
the change is recorded in the log, signed by the old key and the new, and the old private key is removed. A running
command service signs with the new key from its next signing. Verifiers keep trusting the first key.`,
    run: async (args) => (await import('./commands/rotate-key.ts')).run(args),
  },
  export: {
    usage: 'export --contract <id> [--asAt <instant>] [--out <file>]',
    help: `write the contract's full history (its extras and challenges, and the signed heads over them) as NDJSON, one
event a line with its hashes, as recorded by --asAt; stdout by default. \`pnpm ledger verify --file\` checks it.`,
    run: async (args) => (await import('./commands/export.ts')).run(args),
  },
  statement: {
    usage: 'statement --contract <id> --quarter <2025-26-Q1> [--format json|csv|xlsx] [--out <file>]',
    help: `write a quarter's settlement statement from the log: the parties, the quarter, its status and approver, and every
line of F, R, W (each KPI), G (each recovery), X (each extra) and N, traced to its events (business date, recorded
time, who, event id). JSON by default; CSV for any spreadsheet; XLSX (needs --out) with pounds as £417,000.00.`,
    run: async (args) => (await import('./commands/statement.ts')).run(args),
  },
  rebuild: {
    usage: 'rebuild [--replace]',
    help: `rebuild the query service's read models from the log, with progress, and prove them equal to the live ones
by fingerprint (exit 1 if they differ; --replace swaps the rebuilt ones in, and is refused with exit 2 while a query
service runs on them); contracts whose events cannot be projected are quarantined as the query service does and
listed as a warning (exit 0).`,
    run: async (args) => (await import('./commands/rebuild.ts')).run(args),
  },
};

const ENVIRONMENT = `Environment: LEDGER_DATA_DIR (default ./data), LEDGER_STORE (default sqlite:<data dir>/events.db),
LEDGER_HOST, LEDGER_COMMAND_PORT, LEDGER_QUERY_PORT, LEDGER_CONSOLE_PORT, LEDGER_LOG_LEVEL,
LEDGER_JWT_SECRET (the development signing secret: generated, e.g. openssl rand -base64 32; a weak or published one
is refused) or LEDGER_JWT_SECRET_FILE (the key file, default <data dir>/jwt-secret, created on first start),
LEDGER_DEMO (true: allow the published example secret; start --demo sets it),
LEDGER_INTEGRITY_KEY (the chain-head signing key, default <data dir>/integrity-key.pem),
LEDGER_INTEGRITY_PUBLIC_KEY (the key verify trusts, default <data dir>/integrity-key.pub.pem),
LEDGER_SIGN_INTERVAL_MS (how often the command service signs changed heads, default 60000, at least 1000;
verify allows events two intervals before they must be signed),
LEDGER_READ_MODELS (default <data dir>/read-models.db), LEDGER_BODY_LIMIT (default 256kb),
LEDGER_RATE_LIMIT_BURST and LEDGER_RATE_LIMIT_PER_SECOND (per caller; burst 0 turns the limit off),
LEDGER_AUTH_FAILURE_BURST and LEDGER_AUTH_FAILURE_PER_SECOND (requests without a good token per client address;
burst 0 turns the limit off),
LEDGER_PROJECTION_SKIP (positions of known-bad events the query service may pass over, logged),
LEDGER_FOLD_WORKERS (threads for time travel and history, default 1; 0 runs them in the event loop),
LEDGER_PAST_QUEUE_PER_ORG and LEDGER_PAST_QUEUE (their waiting jobs per organisation, default 8, then 429;
and in all, default 128, then 503).
See README.md: Configuration.
`;

const indent = (text: string, by: string): string => text.replace(/^/gm, by);

const overview = (): string =>
  `CSU Ledger command-line tool\n\nUsage: pnpm ledger <command> [options]    (pnpm ledger <command> --help for one command)\n\nCommands:\n${Object.values(
    COMMANDS,
  )
    .map((c) => `  ${c.usage}\n${indent(c.help, '      ')}\n`)
    .join('')}  help\n      this text\n\n${ENVIRONMENT}`;

const commandHelp = (c: Command): string =>
  `Usage: pnpm ledger ${c.usage}\n\n${c.help}\n\n${ENVIRONMENT}`;

const fail = (message: string, name?: string): never => {
  process.stderr.write(`${message}\n\nRun "pnpm ledger ${name ? `${name} --help` : 'help'}" for usage.\n`);
  process.exit(2);
};

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
  process.stdout.write(overview());
} else {
  const command = COMMANDS[name];
  if (!command) fail(`unknown command ${JSON.stringify(name)}`);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(commandHelp(command!));
  } else {
    // Whatever a command writes (keys, read models, exports) is its owner's alone (issue 9).
    restrictNewFiles();
    try {
      const outcome = await command!.run(args);
      if (outcome !== 'running') process.exitCode = outcome;
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err), name);
    }
  }
}
