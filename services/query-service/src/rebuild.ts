// Rebuilding read models from the log, and the fingerprint that proves two sets of read models equal: a SHA-256 over
// every row of every read model in a canonical order (the checkpoint included, so both must stand at one position).
import { createHash } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import { projectBatch, type SkippedEvent } from './projection.ts';
import type { Quarantine, ReadModels } from './read-models.ts';

/** Rows are hashed in chunks of about this many characters: one hash call per row cost more than the rows. */
const CHUNK = 1 << 16;

export const fingerprint = (models: ReadModels): string => {
  const h = createHash('sha256');
  // The same bytes in the same order as hashing row by row (a hash is a stream), so fingerprints stay comparable.
  let chunk = '';
  for (const row of models.canonicalRows()) {
    chunk += `${row}\n`;
    if (chunk.length >= CHUNK) {
      h.update(chunk);
      chunk = '';
    }
  }
  return h.update(chunk).digest('hex');
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

/** Events read from the log at a time. */
const PAGE = 5_000;

/**
 * Projects the log into `models` (which should be empty, or behind) up to `until` (default: the head now), in large
 * batches, each committed with its checkpoint in one transaction exactly as the live projector does: an event that
 * cannot be applied quarantines its contract as it does live, so the result equals the live read models.
 *
 * A batch (`batchSize` events, 50,000 by default) is projected as one working set, which keeps only each contract's
 * latest ledger: a contract's whole document is serialised and written once per batch, not once per page of the log
 * (issue 15: per small batch, long contracts cost the rebuild in proportion to their size, again and again). The
 * projection does not depend on how the log is cut into batches (quarantines included), so neither does the result.
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
  const batchSize = options.batchSize ?? 50_000;
  let position = models.checkpoint();
  let events = 0;
  const skip = new Set(options.skip ?? []);
  const skipped: SkippedEvent[] = [];
  let end = false;
  while (!end && position < target) {
    const batch: RecordedEvent[] = [];
    let read = position;
    while (batch.length < batchSize) {
      const maxCount = Math.min(PAGE, batchSize - batch.length);
      const page = await store.readAll({ after: read, maxCount });
      for (const e of page) if (e.position <= target) batch.push(e);
      const last = page[page.length - 1]?.position;
      if (last === undefined || last >= target) {
        end = true; // the log's head, or the position asked for
        break;
      }
      read = last;
    }
    if (batch.length === 0) break;
    const outcome = projectBatch(position, batch, models, { skip });
    models.commit(outcome.set);
    skipped.push(...outcome.skipped);
    position = outcome.set.position;
    events += batch.length;
    options.onProgress?.({ position, target, events });
  }
  return { position, target, events, quarantined: models.quarantines(), skipped };
};
