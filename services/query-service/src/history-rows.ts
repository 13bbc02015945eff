// A contract's history now, a page at a time, from the read models' `history` rows (indexed by contract and
// position), so that it shows what every other view shows: only what has been projected, without an event the
// operator passed over (LEDGER_PROJECTION_SKIP). The past is read from the log instead (history.ts). Used by the
// query service's own connection and by the fold workers' read-only one.
import type Database from 'better-sqlite3';
import { historyItem, HISTORY_SCAN_BUDGET, type HistoryEvent, type HistoryItem, type HistoryQuery } from './history.ts';
import { encodeCursor, type Page } from './paging.ts';

type Row = {
  position: number | bigint;
  stream: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
};

export type HistoryRowsReader = (q: HistoryQuery) => Page<HistoryItem>;

export const historyRowsReader = (db: Database.Database): HistoryRowsReader => {
  // The position HISTORY_SCAN_BUDGET rows on: a filtered page reads no further (index only, no row is parsed).
  const horizon = db
    .prepare<[string, bigint, number], number | bigint>(
      'SELECT position FROM history WHERE contract_id = ? AND position > ? ORDER BY position LIMIT 1 OFFSET ?',
    )
    .pluck();
  const statements = new Map<string, Database.Statement<unknown[], Row>>();
  const statement = (types: number, from: boolean, to: boolean, bounded: boolean) => {
    const key = `${types}:${from}:${to}:${bounded}`;
    let s = statements.get(key);
    if (!s) {
      const where = [
        'contract_id = ?',
        'position > ?',
        ...(bounded ? ['position <= ?'] : []),
        ...(types > 0 ? [`type IN (${Array<string>(types).fill('?').join(', ')})`] : []),
        ...(from ? ["json_extract(data, '$.businessDate') >= ?"] : []),
        ...(to ? ["json_extract(data, '$.businessDate') <= ?"] : []),
      ];
      s = db.prepare<unknown[], Row>(
        `SELECT position, stream, revision, event_id, type, data, metadata, recorded_at FROM history WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`,
      );
      statements.set(key, s);
    }
    return s;
  };

  return (q) => {
    const after = q.after ?? 0n;
    const filtered = q.types !== undefined || q.from !== undefined || q.to !== undefined;
    const bound = filtered ? horizon.get(q.contractId, after, HISTORY_SCAN_BUDGET - 1) : undefined;
    const types = q.types ?? [];
    const rows = statement(types.length, q.from !== undefined, q.to !== undefined, bound !== undefined).all(
      q.contractId,
      after,
      ...(bound !== undefined ? [bound] : []),
      ...types,
      ...(q.from !== undefined ? [q.from] : []),
      ...(q.to !== undefined ? [q.to] : []),
      q.limit + 1,
    );
    const items = rows.slice(0, q.limit).map((r) =>
      historyItem({
        position: BigInt(r.position),
        streamName: r.stream,
        revision: r.revision,
        eventId: r.event_id,
        type: r.type,
        data: JSON.parse(r.data) as unknown,
        metadata: JSON.parse(r.metadata) as HistoryEvent['metadata'],
        recordedAt: r.recorded_at,
      }),
    );
    if (rows.length > q.limit) return { items, next: encodeCursor('history', items[items.length - 1]!.position) };
    // A filtered read that stopped at its horizon: more rows may match beyond it.
    return { items, next: bound !== undefined ? encodeCursor('history', BigInt(bound).toString()) : null };
  };
};
