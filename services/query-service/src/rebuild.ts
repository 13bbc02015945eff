// Rebuilding read models from the log, and the fingerprint that proves two sets of read models equal: a SHA-256 over
// every row of every read model in a canonical order (the checkpoint included, so both must stand at one position).
import { createHash } from 'node:crypto';
import type { EventStore } from '@csu-ledger/event-store';
import { projectEvent, type WorkingSet } from './projection.ts';
import type { ReadModels } from './read-models.ts';

export const fingerprint = (models: ReadModels): string => {
  const h = createHash('sha256');
  for (const row of models.canonicalRows()) h.update(row).update('\n');
  return h.digest('hex');
};

export interface RebuildProgress {
  position: bigint;
  target: bigint;
  events: number;
}

/**
 * Projects the log into `models` (which should be empty, or behind) up to `until` (default: the head now), in large
 * batches, each committed with its checkpoint in one transaction exactly as the live projector does.
 */
export const rebuildReadModels = async (
  store: EventStore,
  models: ReadModels,
  options: { until?: bigint; batchSize?: number; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<RebuildProgress> => {
  const target = options.until ?? (await store.headPosition());
  const batchSize = options.batchSize ?? 5_000;
  let position = models.checkpoint();
  let events = 0;
  while (position < target) {
    const page = (await store.readAll({ after: position, maxCount: batchSize })).filter((e) => e.position <= target);
    if (page.length === 0) break;
    const set: WorkingSet = { ledgers: new Map(), organisations: new Map(), history: [], position };
    for (const e of page) projectEvent(set, models, e);
    models.commit(set);
    position = set.position;
    events += page.length;
    options.onProgress?.({ position, target, events });
  }
  return { position, target, events };
};
