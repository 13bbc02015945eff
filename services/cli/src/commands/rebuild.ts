// `pnpm ledger rebuild [--replace]`: the query service's read models from the log, proven equal by fingerprint.
import { parseArgs } from 'node:util';
import { defaultStoreSpec, openEventStore } from '@csu-ledger/event-store';
import { secureDataDir } from '@csu-ledger/http/data-dir';
import { rebuild } from '../rebuild.ts';
import { dataDir, projectionSkip, readModelsPath, storeSpec, UsageError } from './env.ts';

export const run = async (args: string[]): Promise<number> => {
  const { values } = parseArgs({ args, options: { replace: { type: 'boolean', default: false } }, strict: true });
  const skip = projectionSkip?.trim() ? projectionSkip.split(',').map((p) => p.trim()) : [];
  if (skip.some((p) => !/^\d{1,19}$/.test(p))) throw new UsageError('LEDGER_PROJECTION_SKIP must be comma-separated log positions');
  secureDataDir(dataDir);
  const store = openEventStore(storeSpec ?? defaultStoreSpec(dataDir));
  try {
    return await rebuild(store, readModelsPath, { replace: values.replace, skip: skip.map((p) => BigInt(p)) });
  } finally {
    await store.close();
  }
};
