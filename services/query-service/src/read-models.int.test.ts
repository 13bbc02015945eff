// Read models carry their version (READ_MODEL_VERSION): a file written by another version of the service is never
// read as if it were ours. The query service empties it and replays the log; any other reader refuses it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openReadModels, READ_MODEL_VERSION } from './read-models.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A read-model file as version 1 of the service left it: no version mark, a checkpoint and a contract row. */
const oldFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-rm-'));
  dirs.push(dir);
  const path = join(dir, 'read-models.db');
  const db = new Database(path);
  db.exec(`CREATE TABLE checkpoint (id INTEGER PRIMARY KEY, position TEXT NOT NULL);
    INSERT INTO checkpoint VALUES (1, '42');
    CREATE TABLE contracts (contract_id TEXT PRIMARY KEY, ccg TEXT NOT NULL, csu TEXT NOT NULL, position TEXT NOT NULL, ledger TEXT NOT NULL);
    INSERT INTO contracts VALUES ('C1', '08J', '0AX', '42', '{"contract":{"measurements":{"K3|2025-26-M01":9600}}}');`);
  db.close();
  return path;
};

describe('read-model versions', () => {
  it('the query service empties read models of another version and starts again from the log', () => {
    const path = oldFile();
    const resets: number[] = [];
    const models = openReadModels(path, { otherVersion: 'reset', onReset: (from) => resets.push(from) });
    expect(resets).toEqual([0]);
    expect(models.checkpoint()).toBe(0n);
    expect(models.ledger('C1')).toBeUndefined();
    models.close();
    const again = openReadModels(path, { otherVersion: 'reset', onReset: (from) => resets.push(from) });
    expect(resets).toEqual([0]); // now of this version: nothing to reset
    again.close();
  });

  it('any other reader refuses them and leaves the file as it was', () => {
    const path = oldFile();
    expect(() => openReadModels(path)).toThrow(`holds read models of version 0, not ${READ_MODEL_VERSION}`);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT position FROM checkpoint').get()).toEqual({ position: '42' });
    db.close();
  });

  it('a new file is simply of this version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-rm-'));
    dirs.push(dir);
    const path = join(dir, 'read-models.db');
    openReadModels(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(READ_MODEL_VERSION);
    db.close();
  });
});
