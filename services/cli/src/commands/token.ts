// `pnpm ledger token`: a bearer token signed with the local development key, and nothing else on stdout. Loads only
// the key and the signer (no express, no store, no calendar), so it answers in a fraction of a second (issue 10).
import { parseArgs } from 'node:util';
import { devSecret, ROLES, signDevToken, type Role } from '@csu-ledger/auth/dev';
import { secureDataDir } from '@csu-ledger/http/data-dir';
import { authSettings, dataDir, UsageError } from './env.ts';

export const run = async (args: string[]): Promise<number> => {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, org: { type: 'string' }, sub: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' } },
    strict: true,
  });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) throw new UsageError('--role must be one of admin, csu, ccg, auditor');
  if (!values.org) throw new UsageError('--org <code> is required (e.g. 08J, 0AX)');
  if (!values.sub) throw new UsageError('--sub <id> is required (the user id)');
  secureDataDir(dataDir); // the key file may be created now
  const secret = await devSecret(authSettings);
  const token = await signDevToken(secret, {
    sub: values.sub,
    name: values.name ?? values.sub,
    org: values.org.toUpperCase(),
    roles: [role],
    ...(values.expires ? { expiresIn: values.expires } : {}),
  });
  process.stdout.write(`${token}\n`);
  return 0;
};
