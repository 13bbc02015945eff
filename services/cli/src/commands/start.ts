// `pnpm ledger start [--demo]`: the command service, the query service and the web console as separate processes on
// one data folder and the configured store; --demo also loads DOMAIN.md's worked example (safe on every start).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { devSecret } from '@csu-ledger/auth/dev';
import { secureDataDir } from '@csu-ledger/http/data-dir';
import { loadDemo, tokenFor } from '../demo.ts';
import { startBoth, startConsole, stopService } from '../launch.ts';
import { CONTRACT_ID, DEMO_ACTORS } from '../worked-example.ts';
import { authSettings, dataDir, oidcIssuer } from './env.ts';

export const run = async (args: string[]): Promise<number | 'running'> => {
  const { values } = parseArgs({ args, options: { demo: { type: 'boolean', default: false } }, strict: true });
  secureDataDir(dataDir);
  // a published example secret is for demonstrations only (issue 9): the services are told this is one
  const demo = values.demo === true || authSettings.demo;
  const secret = await devSecret({ ...authSettings, demo }); // created before the services start, so both read one key
  const launch = { dataDir, ...(demo ? { env: { LEDGER_DEMO: 'true' } } : {}) };
  const running = await startBoth(launch);
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
  // Issue 11: the web console, a third process over the two services' HTTP APIs.
  const web = await startConsole(launch, running).catch(async (err: unknown) => {
    await running.stop();
    throw err;
  });
  process.stdout.write(
    `\nWeb console: open ${web.url}\n` +
      `  ${oidcIssuer ? 'Sign in through your organisation (OpenID Connect).' : 'Sign in by choosing a demo user: Priya Shah (CSU account manager, 0AX), Tom Baker (CCG finance,\n  08J), Ada Okafor (auditor) or the administrator; or any role, organisation code and user id.'}\n`,
  );
  const stopAll = () => Promise.all([running.stop(), stopService(web)]);
  process.stdout.write(
    `\nTokens for other users: pnpm ledger token --role <admin|csu|ccg|auditor> --org <code> --sub <id>\n` +
      `Health: curl ${command.url}/health ; curl ${query.url}/health\nPress Ctrl+C to stop.\n`,
  );
  const stop = () => void stopAll().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const s of [command, query, web]) {
    s.process.once('exit', (code) => {
      process.stderr.write(`${s.name} ${s.name === 'console' ? '' : 'service '}stopped (exit ${code}); stopping the others\n`);
      void stopAll().then(() => process.exit(code ?? 1));
    });
  }
  return 'running';
};
