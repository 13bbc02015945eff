// The returns file (issue 11): the template, and a filled-in file read back line by line with each line's errors.
import { describe, expect, it } from 'vitest';
import { checkFile, parseCsv, parseXlsx, templateCsv, templateXlsx } from './returns.ts';
import type { Kpi } from './views.ts';

const kpis: Kpi[] = [
  { id: 'K1', name: 'Monthly SLAM validation report by WD10', serviceLine: 'acute-contracting', weightBp: 4000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
  { id: 'K3', name: 'Press queries answered within 2 working days', serviceLine: 'communications', weightBp: 3000, targetBp: 9500, kind: 'measured' },
];
const contract = { kpis, firstMonth: '2025-26-M01', termEndMonth: '2025-26-M12' };
const HEADER = 'KPI,Month,Delivered on,Reference,Achieved %,Note,Reported on';

describe('the returns template', () => {
  it('has one row per KPI of the month, nothing filled in', () => {
    expect(templateCsv(contract, '2025-26-M04')).toBe(`${HEADER}\r\nK1,2025-26-M04,,,,,\r\nK3,2025-26-M04,,,,,\r\n`);
  });
  it('as XLSX reads back as the same table', async () => {
    const table = await parseXlsx(await templateXlsx(contract, '2025-26-M04'));
    expect(table.slice(0, 3).map((r) => r.slice(0, 7).join(','))).toEqual([HEADER, 'K1,2025-26-M04,,,,,', 'K3,2025-26-M04,,,,,']);
  });
});

describe('a filled-in returns file', () => {
  it('reads quoted CSV fields with commas, quotes and line breaks', () => {
    expect(parseCsv('a,"b, c","say ""hi""\nthere"\r\nd,,\n')).toEqual([['a', 'b, c', 'say "hi"\nthere'], ['d', '', '']]);
  });
  it('becomes rows for the service when every line is right, blank template lines skipped', () => {
    const csv = `${HEADER}\nK1,2025-26-M04,13/08/2025,"SLAM, July",,,\nK3,2025/26 M4,,,96.5%,On time,2025-08-02\nK1,2025-26-M05,,,,,\n`;
    const checked = checkFile(parseCsv(csv), contract);
    expect(checked.fileErrors).toEqual([]);
    expect(checked.blank).toBe(1);
    expect(checked.lines.map((l) => l.row)).toEqual([
      { kind: 'delivery', kpiId: 'K1', month: '2025-26-M04', deliveredOn: '2025-08-13', reference: 'SLAM, July' },
      { kind: 'measurement', kpiId: 'K3', month: '2025-26-M04', achievedBp: 9650, note: 'On time', businessDate: '2025-08-02' },
    ]);
  });
  it('names every wrong line by its row in the spreadsheet, with all its errors', () => {
    const csv = `${HEADER}\nK9,2025-26-M04,2025-08-13,,,,\nK1,2026-27-M01,31/02/2025,,,,\nK3,2025-26-M04,,,101,,\nK1,2025-26-M04,2025-08-13,,,,\n`;
    const checked = checkFile(parseCsv(csv), contract);
    expect(checked.lines.map((l) => [l.line, l.errors])).toEqual([
      [2, ['KPI K9 is not a KPI of this contract (K1, K3)']],
      [3, ["2026/27 M1 is outside the contract's term", 'Delivered on 31/02/2025 must be a real date, like 2025-08-13 or 13/08/2025']],
      [4, ['Achieved % 101 must be a percentage from 0 to 100, like 96.5', 'Reported on is missing: the date the measurement was reported']],
      [5, []],
    ]);
    expect(checked.lines.filter((l) => l.row).length).toBe(1);
  });
  it('refuses a file without the template header', () => {
    expect(checkFile(parseCsv('kpi id,when\nK1,2025-08-13\n'), contract).fileErrors[0]).toMatch(/Missing: KPI, Month/);
    expect(checkFile([], contract).fileErrors[0]).toMatch(/empty/);
  });
});
