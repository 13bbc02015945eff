// The statement as an Excel workbook (exceljs): a "Statement" sheet with the header and the lines, money as numbers
// in pounds formatted "£417,000.00" (so a finance officer can add them up), and an "Events" sheet tracing each line
// to its events. A sum too large for a spreadsheet number to hold to the penny is written as text, exactly.
import type ExcelJS from 'exceljs';
import { formatPounds, type Statement } from '@csu-ledger/domain';
import { statementRows, type Money } from './rows.ts';

export const POUNDS_FORMAT = '"£"#,##0.00;-"£"#,##0.00';
/** Pence that a double holds exactly, and so pounds to the penny. */
const EXACT = 2n ** 53n;

const money = (m: Money | null): number | string | null => {
  if (m === null) return null;
  const abs = m.pence < 0n ? -m.pence : m.pence;
  return abs < EXACT ? Number(m.pence) / 100 : formatPounds(m.pence);
};

export const statementXlsx = async (s: Statement): Promise<Buffer> => {
  const r = statementRows(s);
  // exceljs is some 150 modules: loaded with the first workbook asked for, not at the query service's start (issue 15).
  const { default: Excel }: { default: typeof ExcelJS } = await import('exceljs');
  const book = new Excel.Workbook();
  book.creator = 'CSU Ledger';
  const sheet = book.addWorksheet('Statement', { pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1 } });
  sheet.columns = [{ width: 8 }, { width: 8 }, { width: 80 }, { width: 14 }, { width: 18 }, { width: 22 }, { width: 8 }];
  sheet.addRow([r.title]).font = { bold: true, size: 14 };
  for (const [k, v] of r.header) sheet.addRow([k, null, v]).getCell(1).font = { bold: true };
  sheet.addRow([]);
  const head = sheet.addRow(r.lineColumns);
  head.font = { bold: true };
  for (const l of r.lines) {
    const row = sheet.addRow([l.line, l.figure, l.label, l.period, money(l.amount), money(l.value), l.events]);
    row.getCell(5).numFmt = POUNDS_FORMAT;
    row.getCell(6).numFmt = POUNDS_FORMAT;
    if (l.figure === 'N') row.font = { bold: true };
  }
  const events = book.addWorksheet('Events');
  events.columns = [{ width: 8 }, { width: 38 }, { width: 24 }, { width: 14 }, { width: 26 }, { width: 40 }, { width: 14 }, { width: 10 }];
  events.addRow(r.eventColumns).font = { bold: true };
  for (const e of r.events) events.addRow([e.line, e.eventId, e.type, e.businessDate, e.recordedAt, e.who, e.organisation, e.role]);
  return Buffer.from(await book.xlsx.writeBuffer());
};
