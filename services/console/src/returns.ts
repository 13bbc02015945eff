// A month's KPI returns as a spreadsheet (issue 11): the template a CSU fills in (CSV or XLSX, one row per KPI of the
// month), and the reading of a filled-in file into rows the command service records together (POST
// /contracts/{id}/returns, all or nothing). Here only the file's form is checked (a known KPI, a month of the term,
// real dates, a percentage); the service decides every rule of the domain, row by row, and names each row it refuses.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { isMonthId, monthsBetween } from '@csu-ledger/domain';
import { date, dateFromFields, formatMonth, parsePercent } from './format.ts';
import type { Kpi } from './views.ts';

export const COLUMNS = ['KPI', 'Month', 'Delivered on', 'Reference', 'Achieved %', 'Note', 'Reported on'] as const;
type Column = (typeof COLUMNS)[number];

/** A row as the command service takes it. */
export type ReturnRow =
  | { kind: 'delivery'; kpiId: string; month: string; deliveredOn: string; reference?: string }
  | { kind: 'measurement'; kpiId: string; month: string; achievedBp: number; note?: string; businessDate: string };

/** One line of the file: where it is (the spreadsheet's row number), what it says, and what is wrong with it. */
export interface CheckedLine {
  line: number;
  kpiId: string;
  month: string;
  /** What the row records, as a person reads it. */
  summary: string;
  row?: ReturnRow;
  errors: string[];
}

export interface CheckedFile {
  lines: CheckedLine[];
  /** Problems with the file as a whole (no header, an unknown column, nothing filled in). */
  fileErrors: string[];
  /** Template lines left blank (a KPI and month with nothing recorded): not an error, nothing to record. */
  blank: number;
}

export interface ContractShape {
  kpis: Kpi[];
  firstMonth: string;
  termEndMonth: string;
}

// ---- The template ----

const templateRows = (c: ContractShape, month: string): string[][] => c.kpis.map((k) => [k.id, month, '', '', '', '', '']);

const csvField = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export const templateCsv = (c: ContractShape, month: string): string =>
  [[...COLUMNS], ...templateRows(c, month)].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';

export const templateXlsx = async (c: ContractShape, month: string): Promise<Buffer> => {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('Returns');
  sheet.columns = COLUMNS.map((h) => ({ header: h, key: h, width: h === 'Note' || h === 'Reference' ? 28 : 16 }));
  sheet.getRow(1).font = { bold: true };
  // Every cell is text, so Excel keeps what is typed (`2025-08-13`, `96.5`) as typed.
  for (const r of templateRows(c, month)) sheet.addRow(r);
  for (let col = 1; col <= COLUMNS.length; col++) sheet.getColumn(col).numFmt = '@';
  const help = wb.addWorksheet('How to fill it in');
  help.getColumn(1).width = 110;
  const lines = [
    `One row per KPI for ${formatMonth(month)}. Leave a row blank to record nothing for it.`,
    'Deliverables: fill in "Delivered on" (a date like 2025-08-13 or 13/08/2025) and, if you like, "Reference".',
    'Measured KPIs: fill in "Achieved %" (for example 96.5), "Reported on" (the date reported) and, if you like, "Note".',
    'Every row is checked before anything is recorded, and the file is recorded all together or not at all.',
    'Uploading the same file again records nothing more.',
    '',
    'KPIs of this contract:',
    ...c.kpis.map((k) => `${k.id}: ${k.name} (${k.kind === 'deliverable' ? 'deliverable' : 'measured'})`),
  ];
  lines.forEach((l, i) => (help.getCell(i + 1, 1).value = l));
  return Buffer.from(await wb.xlsx.writeBuffer());
};

// ---- Reading a filled-in file ----

/** RFC 4180 CSV: quoted fields with doubled quotes, commas and line breaks inside quotes, CRLF or LF. */
export const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
};

const isoOf = (d: Date): string => d.toISOString().slice(0, 10);

/** The first sheet of a workbook as text cells: dates as YYYY-MM-DD, numbers as written. */
export const parseXlsx = async (data: Buffer): Promise<string[][]> => {
  const wb = new ExcelJS.Workbook();
  // From a stream: exceljs's `load` declares its own Buffer type, which no Node Buffer satisfies.
  await wb.xlsx.read(Readable.from([data]));
  const sheet = wb.worksheets[0];
  if (!sheet) return [];
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (r, n) => {
    const cells: string[] = [];
    for (let col = 1; col <= Math.max(r.cellCount, COLUMNS.length); col++) {
      const v = r.getCell(col).value;
      let text = '';
      if (v instanceof Date) text = isoOf(v);
      else if (typeof v === 'number') text = String(v);
      else if (typeof v === 'string') text = v;
      else if (v && typeof v === 'object' && 'richText' in v) text = v.richText.map((t) => t.text).join('');
      else if (v && typeof v === 'object' && 'result' in v) {
        const r = v.result;
        text = r instanceof Date ? isoOf(r) : typeof r === 'number' || typeof r === 'string' || typeof r === 'boolean' ? String(r) : '';
      }
      else if (v && typeof v === 'object' && 'text' in v) text = String(v.text);
      cells.push(text);
    }
    rows[n - 1] = cells;
  });
  return Array.from(rows, (r) => r ?? []);
};

/** `2025-26-M04` or `2025/26 M4` → `2025-26-M04`. */
const monthOf = (s: string): string | undefined => {
  const t = s.trim();
  if (isMonthId(t)) return t;
  const m = /^(\d{4})\/(\d{2})\s*M(\d{1,2})$/i.exec(t);
  if (!m) return undefined;
  const id = `${m[1]}-${m[2]}-M${m[3]!.padStart(2, '0')}`;
  return isMonthId(id) ? id : undefined;
};

/** `2025-08-13` or `13/08/2025` → `2025-08-13`. */
const dateOf = (s: string): string | undefined => {
  const t = s.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (iso) return dateFromFields(iso[3], iso[2], iso[1]);
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  return uk ? dateFromFields(uk[1], uk[2], uk[3]) : undefined;
};

/** Every line of the file checked for its form; rows only where a line has no error. */
export const checkFile = (table: string[][], c: ContractShape): CheckedFile => {
  const fileErrors: string[] = [];
  const headerAt = table.findIndex((r) => r.some((x) => x.trim() !== ''));
  if (headerAt < 0) return { lines: [], fileErrors: ['The file is empty: download the template and fill it in.'], blank: 0 };
  const header = table[headerAt]!.map((h) => h.trim().toLowerCase());
  const at = new Map<Column, number>();
  for (const col of COLUMNS) {
    const i = header.indexOf(col.toLowerCase());
    if (i >= 0) at.set(col, i);
  }
  const missing = COLUMNS.filter((col) => !at.has(col) && (col === 'KPI' || col === 'Month'));
  if (missing.length > 0) {
    return { lines: [], fileErrors: [`The first row must name the columns, as the template does: ${COLUMNS.join(', ')}. Missing: ${missing.join(', ')}.`], blank: 0 };
  }
  const unknown = header.filter((h) => h !== '' && !COLUMNS.some((col) => col.toLowerCase() === h));
  if (unknown.length > 0) fileErrors.push(`Columns the template does not have: ${unknown.join(', ')}. Use the template's columns.`);

  const kpis = new Map(c.kpis.map((k) => [k.id.toLowerCase(), k]));
  const term = new Set(monthsBetween(c.firstMonth, c.termEndMonth));
  const lines: CheckedLine[] = [];
  let blank = 0;
  table.slice(headerAt + 1).forEach((cells, i) => {
    const get = (col: Column) => {
      const j = at.get(col);
      return j === undefined ? '' : (cells[j] ?? '').trim();
    };
    const line = headerAt + i + 2;
    if (COLUMNS.every((col) => get(col) === '')) return;
    const kpiText = get('KPI');
    const monthText = get('Month');
    const filled = (['Delivered on', 'Reference', 'Achieved %', 'Note', 'Reported on'] as const).filter((col) => get(col) !== '');
    if (filled.length === 0) {
      blank++;
      return;
    }
    const errors: string[] = [];
    const kpi = kpis.get(kpiText.split(/\s/)[0]!.toLowerCase());
    if (!kpiText) errors.push('KPI is missing');
    else if (!kpi) errors.push(`KPI ${kpiText} is not a KPI of this contract (${c.kpis.map((k) => k.id).join(', ')})`);
    const month = monthOf(monthText);
    if (!monthText) errors.push('Month is missing');
    else if (!month) errors.push(`Month ${monthText} must look like 2025-26-M04 or 2025/26 M4`);
    else if (!term.has(month)) errors.push(`${formatMonth(month)} is outside the contract's term`);
    let row: ReturnRow | undefined;
    let summary = '';
    if (kpi?.kind === 'deliverable') {
      for (const col of ['Achieved %', 'Note', 'Reported on'] as const) if (get(col)) errors.push(`${col} is for measured KPIs; ${kpi.id} is a deliverable`);
      const on = dateOf(get('Delivered on'));
      if (!get('Delivered on')) errors.push('Delivered on is missing');
      else if (!on) errors.push(`Delivered on ${get('Delivered on')} must be a real date, like 2025-08-13 or 13/08/2025`);
      const reference = get('Reference');
      if (reference.length > 200) errors.push('Reference must be 200 characters or fewer');
      if (on && month) row = { kind: 'delivery', kpiId: kpi.id, month, deliveredOn: on, ...(reference ? { reference } : {}) };
      summary = on ? `Delivered on ${date(on)}${reference ? ` (${reference})` : ''}` : '';
    } else if (kpi?.kind === 'measured') {
      for (const col of ['Delivered on', 'Reference'] as const) if (get(col)) errors.push(`${col} is for deliverables; ${kpi.id} is measured`);
      const bp = parsePercent(get('Achieved %'));
      if (!get('Achieved %')) errors.push('Achieved % is missing');
      else if (bp === undefined) errors.push(`Achieved % ${get('Achieved %')} must be a percentage from 0 to 100, like 96.5`);
      const on = dateOf(get('Reported on'));
      if (!get('Reported on')) errors.push('Reported on is missing: the date the measurement was reported');
      else if (!on) errors.push(`Reported on ${get('Reported on')} must be a real date, like 2025-08-13 or 13/08/2025`);
      const note = get('Note');
      if (note.length > 1000) errors.push('Note must be 1,000 characters or fewer');
      if (bp !== undefined && on && month) row = { kind: 'measurement', kpiId: kpi.id, month, achievedBp: bp, businessDate: on, ...(note ? { note } : {}) };
      summary = bp !== undefined ? `Achieved ${get('Achieved %').replace(/%$/, '')}%${on ? `, reported on ${date(on)}` : ''}` : '';
    }
    lines.push({ line, kpiId: kpi?.id ?? kpiText, month: month ?? monthText, summary, ...(errors.length === 0 && row ? { row } : {}), errors });
  });
  if (lines.length === 0 && fileErrors.length === 0) fileErrors.push('Nothing is filled in: fill in "Delivered on" for a deliverable, or "Achieved %" and "Reported on" for a measured KPI.');
  return { lines, fileErrors, blank };
};
