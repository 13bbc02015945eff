// `pnpm ledger verify`: the integrity of the whole log, or of an exported file.
import { verifyCommand } from '../integrity.ts';
import { integrityEnv } from './env.ts';

export const run = (args: string[]): Promise<number> => verifyCommand(args, integrityEnv, (line) => process.stdout.write(`${line}\n`));
