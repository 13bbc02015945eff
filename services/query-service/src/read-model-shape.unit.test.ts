// Issue 12: read-model rows are the projection's state serialised, so a renamed or moved field changes what stored
// rows mean. Such a change must come with a new READ_MODEL_VERSION (read-models.ts), which makes every query service
// rebuild its read models from the log instead of reading old rows as if they were new. This test fingerprints the
// shape of the rows the projection writes for the stored events corpus (every event type, every version): when the
// shape changes and the version does not, it fails and says so.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quarterMoneyOf, quarterMoneyToRecord, settlementQuarters } from '@csu-ledger/domain';
import { projectBatch } from './projection.ts';
import { READ_MODEL_VERSION } from './read-models.ts';
import { ledgerLists } from './views.ts';
import { corpusRecords } from '../../../test/fixtures/events/corpus.ts';

/** The shape's fingerprint for each READ_MODEL_VERSION since 4 (add one, never edit one). */
const SHAPES: Record<number, string> = JSON.parse(readFileSync(new URL('read-model-shapes.json', import.meta.url), 'utf8')) as Record<number, string>;

const corpus = corpusRecords();

/** Maps keyed by ids or periods, not by field names: their keys are data, collapsed to `*`. */
const KEYED = new Set(['.ledger.extras', '.ledger.challenges', '.ledger.invoices', '.ledger.contract.deliveries', '.ledger.contract.measurements', '.ledger.contract.approvals']);

/** Every path to a value in the rows, with the value's JSON type: `.ledger.contract.termEndMonth:string`. */
const shapeOf = (rows: Record<string, readonly unknown[]>): string[] => {
  const paths = new Set<string>();
  const walk = (v: unknown, p: string): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, `${p}[]`);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, KEYED.has(p) ? `${p}.*` : `${p}.${k}`);
    else paths.add(`${p}:${v === null ? 'null' : typeof v}`);
  };
  // as read-models.ts stores each row: its JSON text
  for (const [table, values] of Object.entries(rows)) for (const row of values) walk(JSON.parse(JSON.stringify(row)), `.${table}`);
  return [...paths].sort();
};

describe('read-model rows', () => {
  it('keep their shape within a READ_MODEL_VERSION', () => {
    const { set, quarantined } = projectBatch(0n, corpus, {
      ledger: () => undefined,
      organisation: () => undefined,
      quarantined: () => undefined,
      discard: () => undefined,
    });
    expect(quarantined).toEqual([]);
    // the contract's ledger, its settlement rows and the register entries, as read-models.ts stores them
    const ledgers = [...set.ledgers.values()];
    const settlements = ledgers.flatMap((l) => [...quarterMoneyOf(l, settlementQuarters(l)).values()].map(quarterMoneyToRecord));
    expect(settlements.length).toBeGreaterThan(0);
    const items = ledgers.flatMap((l) => (['extra', 'challenge', 'invoice'] as const).flatMap((kind) => ledgerLists(l).page(kind, { limit: 10_000 })!.items.map((row) => ({ [kind]: row }))));
    expect(items.length).toBeGreaterThan(0);
    const shape = shapeOf({ ledger: ledgers, settlement: settlements, item: items, organisation: [...set.organisations.values()] });
    expect(shape.length).toBeGreaterThan(100);
    const fingerprint = createHash('sha256').update(shape.join('\n')).digest('hex').slice(0, 16);
    expect(
      SHAPES[READ_MODEL_VERSION],
      `the rows' shape (fingerprint ${fingerprint}) is not the one recorded for READ_MODEL_VERSION ${READ_MODEL_VERSION}: ` +
        'if the change is meant, bump READ_MODEL_VERSION in read-models.ts (say why in its comment) and record the new ' +
        'fingerprint under it in read-model-shapes.json. The rows:\n' + shape.join('\n'),
    ).toBe(fingerprint);
  });
});
