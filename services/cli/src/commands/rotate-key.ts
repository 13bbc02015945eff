// `pnpm ledger rotate-key`: a new signing key, recorded in the log and signed by the old one (issue 14).
import { rotateKeyCommand } from '../audit.ts';
import { integrityEnv } from './env.ts';

export const run = (args: string[]): Promise<number> => rotateKeyCommand(args, integrityEnv, (line) => process.stdout.write(`${line}\n`));
