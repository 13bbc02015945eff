// `pnpm ledger rebuild`: rebuilds the query service's read models from the log and proves the result equal to the
// live read models by their fingerprints, printed before and after. Safe while the services run: the rebuild goes to
// a new file and stops at the live checkpoint; `--replace` swaps it in (stop the query service first).
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { EventStore } from '@csu-ledger/event-store';
import { fingerprint, openReadModels, rebuildReadModels, type RebuildProgress } from '@csu-ledger/query-service';

const bar = (p: RebuildProgress, started: number): string => {
  const share = p.target === 0n ? 1 : Number((p.position * 1000n) / p.target) / 1000;
  const filled = Math.round(share * 30);
  const rate = p.events / Math.max(0.001, (performance.now() - started) / 1000);
  return `\r[${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  position ${p.position}/${p.target}  ${Math.round(rate).toLocaleString('en-GB')} events/s`;
};

interface Out {
  write(text: string): unknown;
}

export const rebuild = async (store: EventStore, livePath: string, replace: boolean, out: Out = process.stdout, err: Out = process.stderr): Promise<number> => {
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
  const models = openReadModels(fresh);
  const started = performance.now();
  const result = await rebuildReadModels(store, models, {
    ...(live ? { until: live.position } : {}),
    onProgress: (p) => err.write(bar(p, started)),
  });
  err.write('\n');
  const rebuilt = fingerprint(models);
  models.close();
  const seconds = (performance.now() - started) / 1000;
  out.write(`rebuilt read models: ${rebuilt} at position ${result.position} (${result.events} events in ${seconds.toFixed(2)} s)\n`);
  const same = live?.fingerprint === rebuilt;
  if (live) out.write(same ? 'identical: the live read models are exactly what the log gives\n' : 'DIFFERENT: the live read models do not match the log\n');
  if (!live || replace) {
    for (const suffix of ['-wal', '-shm']) rmSync(`${livePath}${suffix}`, { force: true });
    renameSync(fresh, livePath);
    out.write(`${livePath} ${live ? 'replaced by' : 'written from'} the rebuild\n`);
  } else {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${fresh}${suffix}`, { force: true });
    if (!same) out.write('stop the query service and run "pnpm ledger rebuild --replace" to replace them\n');
  }
  return !live || same || replace ? 0 : 1;
};
