// `pnpm ledger export`: a contract's whole history as NDJSON with its hashes, checkable offline.
import { exportCommand } from '../integrity.ts';
import { integrityEnv } from './env.ts';

export const run = (args: string[]): Promise<number> =>
  exportCommand(args, integrityEnv, (text) => process.stdout.write(text), (line) => process.stderr.write(`${line}\n`));
