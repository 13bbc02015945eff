// `pnpm ledger receipt [--contract <id>]`: the latest receipt, as a CCG keeps it (issue 14).
import { receiptCommand } from '../audit.ts';
import { integrityEnv } from './env.ts';

export const run = (args: string[]): Promise<number> =>
  receiptCommand(args, integrityEnv, (text) => process.stdout.write(text), (line) => process.stderr.write(`${line}\n`));
