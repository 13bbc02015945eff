// `pnpm ledger rebuild`: rebuilds the query service's read models from the log and proves the result equal to the
// live read models by their fingerprints, printed before and after. Safe while the services run: the rebuild goes to
// a new file and stops at the live checkpoint. `--replace` swaps it in, and only while no query service holds the
// read models (their lock, lock.ts): refused, exit 2, while one runs, instead of deleting the file under it.
//
// A contract the log cannot be projected for is quarantined by the rebuild exactly as by the live projector, so the
// fingerprints still compare; it is listed as a warning and the exit code stays 0 when they are identical. The
// rebuild's question is "do the read models equal what the log gives?", and they do; the quarantine is a state of the
// data that /health and the contract's own 503s already report, not a failure of the rebuild, and a non-zero code
// would make every scheduled check fail for as long as one contract waits for a fix. Exit 1 stays "different".
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventStore } from '@csu-ledger/event-store';
import {
  fingerprint,
  lockReadModels,
  openReadModels,
  ReadModelsLocked,
  rebuildReadModels,
  type ReadModelsLock,
  type RebuildProgress,
  type RebuildResult,
} from '@csu-ledger/query-service';

const shareOf = (p: RebuildProgress): number => (p.target === 0n ? 1 : Number((p.position * 1000n) / p.target) / 1000);
const rateOf = (p: RebuildProgress, started: number): string =>
  `${Math.round(p.events / Math.max(0.001, (performance.now() - started) / 1000)).toLocaleString('en-GB')} events/s`;

/**
 * Progress as a person at a terminal wants it (one bar redrawn in place), or as a log or CI wants it (a plain line
 * at each tenth of the way, never a carriage return): issue 10.
 */
const progress = (err: Out, tty: boolean, started: number): { step: (p: RebuildProgress) => void; done: () => void } => {
  let tenths = -1;
  return {
    step: (p) => {
      const share = shareOf(p);
      if (tty) {
        const filled = Math.round(share * 30);
        err.write(`\r[${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  position ${p.position}/${p.target}  ${rateOf(p, started)}`);
      } else if (Math.floor(share * 10) > tenths) {
        tenths = Math.floor(share * 10);
        err.write(`rebuild: ${(share * 100).toFixed(0)}% (position ${p.position} of ${p.target}, ${rateOf(p, started)})\n`);
      }
    },
    done: () => {
      if (tty) err.write('\n');
    },
  };
};

/** Waits until a file (or a folder's entries) is on the disk: the rebuild's file is written without waiting. */
const flush = (path: string): void => {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

interface Out {
  write(text: string): unknown;
  /** A terminal gets a progress bar; anything else plain lines. */
  isTTY?: boolean;
}

export interface RebuildOptions {
  /** Swap the rebuilt read models in for the live ones. */
  replace?: boolean;
  /** The operator's LEDGER_PROJECTION_SKIP, as the query service applies it, so both give the same read models. */
  skip?: readonly bigint[];
}

const warnings = (result: RebuildResult): string => {
  const lines: string[] = [];
  const n = result.quarantined.length;
  if (n > 0) {
    lines.push(
      `WARNING: ${n} contract${n === 1 ? '' : 's'} or register entr${n === 1 ? 'y' : 'ies'} could not be projected and ${n === 1 ? 'is' : 'are'} quarantined (its views answer 503 until a fix; every other contract is complete):`,
    );
    for (const q of result.quarantined) {
      lines.push(
        `  ${q.unit}: event at position ${q.position} (${q.type} in ${q.streamName}): ${q.reason}; ${q.heldBack} later event${q.heldBack === 1 ? '' : 's'} held back`,
      );
    }
  }
  for (const s of result.skipped) {
    lines.push(`WARNING: skipped by LEDGER_PROJECTION_SKIP: position ${s.position} (${s.type} in ${s.streamName}): ${s.reason}`);
  }
  return lines.map((l) => `${l}\n`).join('');
};

export const rebuild = async (
  store: EventStore,
  livePath: string,
  options: RebuildOptions = {},
  out: Out = process.stdout,
  err: Out = process.stderr,
): Promise<number> => {
  const replace = options.replace ?? false;
  // Writing the live path (--replace, or there is none yet) needs the read models to ourselves for the whole run.
  let lock: ReadModelsLock | undefined;
  if (replace || !existsSync(livePath)) {
    try {
      lock = lockReadModels(livePath, 'pnpm ledger rebuild');
    } catch (e) {
      if (!(e instanceof ReadModelsLocked)) throw e;
      err.write(
        `refused: ${e.message}\nstop the query service first, then run "pnpm ledger rebuild --replace" again (without --replace the rebuild only compares, safely, while it runs)\n`,
      );
      return 2;
    }
  }
  try {
    return await rebuildBeside(store, livePath, replace, options.skip ?? [], out, err);
  } finally {
    lock?.release();
  }
};

const rebuildBeside = async (
  store: EventStore,
  livePath: string,
  replace: boolean,
  skip: readonly bigint[],
  out: Out,
  err: Out,
): Promise<number> => {
  const fresh = `${livePath}.rebuild-${process.pid}`;
  rmSync(fresh, { force: true });
  let live: { fingerprint: string; position: bigint } | undefined;
  if (existsSync(livePath)) {
    const models = openReadModels(livePath);
    live = { fingerprint: fingerprint(models), position: models.checkpoint() };
    models.close();
    out.write(`live read models:    ${live.fingerprint} at position ${live.position}\n`);
  } else {
    out.write(`live read models:    none at ${livePath}\n`);
  }
  // A scratch file (no waiting for the disk): nothing reads it before it is complete, and it is flushed before the
  // rename below; a crash leaves only a file named for this process, never the live read models half written.
  const models = openReadModels(fresh, { scratch: true });
  const started = performance.now();
  const shown = progress(err, err.isTTY === true, started);
  const result = await rebuildReadModels(store, models, {
    ...(live ? { until: live.position } : {}),
    skip,
    onProgress: shown.step,
  });
  shown.done();
  const rebuilt = fingerprint(models);
  models.close();
  const seconds = (performance.now() - started) / 1000;
  out.write(`rebuilt read models: ${rebuilt} at position ${result.position} (${result.events} events in ${seconds.toFixed(2)} s)\n`);
  out.write(warnings(result));
  const same = live?.fingerprint === rebuilt;
  if (live) out.write(same ? 'identical: the live read models are exactly what the log gives\n' : 'DIFFERENT: the live read models do not match the log\n');
  if (!live || replace) {
    flush(fresh);
    for (const suffix of ['-wal', '-shm']) rmSync(`${livePath}${suffix}`, { force: true });
    renameSync(fresh, livePath);
    flush(dirname(livePath));
    out.write(`${livePath} ${live ? 'replaced by' : 'written from'} the rebuild\n`);
  } else {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${fresh}${suffix}`, { force: true });
    if (!same) out.write('stop the query service and run "pnpm ledger rebuild --replace" to replace them\n');
  }
  return !live || same || replace ? 0 : 1;
};
