// Issue 10: the worked example's Q1 statement as CSV and XLSX. The workbook is opened again and its figures checked:
// the counted lines add up to £417,000.00 to the penny, money cells are numbers formatted as pounds, and every line's
// events are on the Events sheet.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { settlementStatement, type LedgerEvent } from '@csu-ledger/domain';
import { LedgerBuilder } from '../../domain/test/ledger-builder.ts';
import { ids, workedExampleQ1 } from '../../domain/test/worked-example.ts';
import { TODAY } from '../../domain/test/fixtures.ts';
import { POUNDS_FORMAT, statementCsv, statementXlsx } from './index.ts';

const names: Record<string, string> = { '08J': 'NHS Kingston CCG', '0AX': 'South London CSU', RAX: 'Kingston Hospital' };
const statement = (extra: LedgerEvent[] = []) =>
  settlementStatement(new LedgerBuilder().add(...workedExampleQ1, ...extra).ledger(), '2025-26-Q1', TODAY, (c) => names[c]);

/** RFC 4180 fields of one CSV record (quotes, doubled quotes, commas inside quotes). */
const fields = (record: string): string[] => {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i]!;
    if (quoted && ch === '"' && record[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      out.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  return [...out, cell];
};

/** Pounds as a spreadsheet holds them, back to integer pence. */
const pence = (v: unknown): number => Math.round(Number(v) * 100);

describe('statement as CSV', () => {
  const csv = statementCsv(statement());
  const rows = csv.trimEnd().split('\r\n');

  it('heads with the parties and the NHS period', () => {
    expect(fields(rows[0]!)).toEqual(['Settlement statement: KIN-2025, 2025/26 Q1']);
    expect(rows).toContain('Commissioner (CCG),NHS Kingston CCG (08J)');
    expect(rows).toContain('Quarter,2025/26 Q1');
  });
  it('lists the lines with amounts in pounds that add up to N', () => {
    const lines = rows.filter((r) => /^\d+,[FRWGXN],/.test(r)).map(fields);
    const amounts = lines.filter((c) => c[4] !== '').map((c) => pence(c[4]));
    expect(amounts.reduce((a, b) => a + b, 0)).toBe(41_700_000);
    expect(lines.at(-1)).toEqual(['12', 'N', 'Net payable: F − W + G + X', '2025/26 Q1', '', '417000.00', '0']);
    expect(lines.filter((c) => c[1] === 'W').at(-1)?.[4]).toBe('-16000.00');
  });
  it('traces lines to events: id, type, business date, recorded time, who', () => {
    const start = rows.indexOf('Line,Event id,Event,Business date,Recorded at,Recorded by,Organisation,Role');
    expect(start).toBeGreaterThan(0);
    expect(rows.slice(start + 1).some((r) => /,ExtraResolved,2025-06-16,\d{4}-\d\d-\d\dT[^,]+Z,Test User \(u1\),0AX,csu$/.test(r))).toBe(true);
  });
  it('cannot carry a formula in from a description', () => {
    const x = `${ids.contractId}.extra-0000000000ff`;
    const csvWithFormula = statementCsv(
      statement([
        { type: 'ExtraRaised', data: { extraId: x, contractId: ids.contractId, businessDate: '2025-05-01', amountPence: 100, description: '=HYPERLINK("http://x")', serviceLine: 's', requestedBy: 'r' } },
        { type: 'ExtraAccepted', data: { extraId: x, contractId: ids.contractId, businessDate: '2025-05-02', amountPence: 100 } },
      ]),
    );
    expect(csvWithFormula).toContain('"Extra accepted: =HYPERLINK(""http://x"")"');
    expect(csvWithFormula).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});

describe('statement as XLSX', () => {
  it('opens in a spreadsheet with £417,000.00 as N and every line traced', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await statementXlsx(statement())) as unknown as Parameters<typeof book.xlsx.load>[0]);
    const sheet = book.getWorksheet('Statement')!;
    const lines: { figure: string; amount: unknown; value: unknown; format: string }[] = [];
    sheet.eachRow((row) => {
      const figure = row.getCell(2).value;
      if (typeof figure === 'string' && /^[FRWGXN]$/.test(figure)) {
        lines.push({ figure, amount: row.getCell(5).value, value: row.getCell(6).value, format: row.getCell(6).numFmt });
      }
    });
    const net = lines.find((l) => l.figure === 'N')!;
    expect(net.value).toBe(417_000);
    expect(net.format).toBe(POUNDS_FORMAT);
    const counted = lines.filter((l) => l.amount !== null).map((l) => pence(l.amount));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(41_700_000);
    expect(lines.filter((l) => l.figure === 'F').map((l) => l.amount)).toEqual([133_333.33, 133_333.33, 133_333.34]);
    const events = book.getWorksheet('Events')!;
    const types: string[] = [];
    events.eachRow((row, n) => {
      if (n > 1) types.push(row.getCell(3).text);
    });
    expect(types).toEqual(expect.arrayContaining(['ContractAgreed', 'DeliverableDelivered', 'MeasurementReported', 'ChallengeResolved', 'ExtraResolved']));
  });
});
