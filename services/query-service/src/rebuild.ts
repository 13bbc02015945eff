// Rebuilding read models from the log, and the fingerprint that proves two sets of read models equal: a SHA-256 over
// every row of every read model in a canonical order (the checkpoint included, so both must stand at one position).
import { createHash } from 'node:crypto';
import type { EventStore } from '@csu-ledger/event-store';
import { projectBatch, type SkippedEvent } from './projection.ts';
import type { Quarantine, ReadModels } from './read-models.ts';

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

export interface RebuildResult extends RebuildProgress {
  /** Contracts and register entries the log could not be projected for, as the live projector quarantines them. */
  quarantined: Quarantine[];
  /** Events passed over by the operator's override (`skip`, LEDGER_PROJECTION_SKIP). */
  skipped: SkippedEvent[];
}

/**
 * Projects the log into `models` (which should be empty, or behind) up to `until` (default: the head now), in large
 * batches, each committed with its checkpoint in one transaction exactly as the live projector does: an event that
 * cannot be applied quarantines its contract as it does live, so the result equals the live read models.
 */
export const rebuildReadModels = async (
  store: EventStore,
  models: ReadModels,
  options: {
    until?: bigint;
    batchSize?: number;
    skip?: readonly bigint[];
    onProgress?: (p: RebuildProgress) => void;
  } = {},
): Promise<RebuildResult> => {
  const target = options.until ?? (await store.headPosition());
  const batchSize = options.batchSize ?? 5_000;
  let position = models.checkpoint();
  let events = 0;
  const skip = new Set(options.skip ?? []);
  const skipped: SkippedEvent[] = [];
  while (position < target) {
    const page = (await store.readAll({ after: position, maxCount: batchSize })).filter((e) => e.position <= target);
    if (page.length === 0) break;
    const outcome = projectBatch(position, page, models, { skip });
    models.commit(outcome.set);
    skipped.push(...outcome.skipped);
    position = outcome.set.position;
    events += page.length;
    options.onProgress?.({ position, target, events });
  }
  return { position, target, events, quarantined: models.quarantines(), skipped };
};
