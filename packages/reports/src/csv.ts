// The statement as CSV (RFC 4180): one header block, the lines, then the events behind them. Amounts are plain
// decimal pounds ("417000.00"), which every spreadsheet reads as numbers; text that a spreadsheet would run as a
// formula (=, +, -, @ at the start) is written with a leading apostrophe, so a description cannot inject one.
import { poundsDecimal, type Statement } from '@csu-ledger/domain';
import { statementRows, type Money } from './rows.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

const text = (v: string): string => {
  const safe = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};
const money = (m: Money | null): string => (m === null ? '' : poundsDecimal(m.pence));
const row = (cells: string[]): string => `${cells.join(',')}\r\n`;

export const statementCsv = (s: Statement): string => {
  const r = statementRows(s);
  let out = row([text(r.title)]);
  for (const [k, v] of r.header) out += row([text(k), text(v)]);
  out += '\r\n' + row(r.lineColumns.map(text));
  for (const l of r.lines) {
    out += row([String(l.line), l.figure, text(l.label), text(l.period), money(l.amount), money(l.value), String(l.events)]);
  }
  out += '\r\n' + row(r.eventColumns.map(text));
  for (const e of r.events) {
    out += row([String(e.line), e.eventId, e.type, e.businessDate, e.recordedAt, text(e.who), text(e.organisation), e.role]);
  }
  return out;
};
