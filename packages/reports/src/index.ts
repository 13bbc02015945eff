export { statementCsv } from './csv.ts';
export { statementRows, type StatementRows } from './rows.ts';
export { POUNDS_FORMAT, statementXlsx } from './xlsx.ts';
