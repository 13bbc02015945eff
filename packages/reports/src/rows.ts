// A statement as rows of cells, the one layout the CSV and XLSX forms share (issue 10): the header (parties, quarter,
// status, approver), the lines of F, R, W, G, X and N, and the events behind each line.
import { formatDate, type Statement } from '@csu-ledger/domain';

export type Cell = string | bigint | null;
/** A money cell: pence, written by each format in pounds. */
export interface Money {
  pence: bigint;
}

export interface StatementRows {
  title: string;
  header: [string, string][];
  lineColumns: string[];
  lines: { line: number; figure: string; label: string; period: string; amount: Money | null; value: Money | null; events: number }[];
  eventColumns: string[];
  events: { line: number; eventId: string; type: string; businessDate: string; recordedAt: string; who: string; organisation: string; role: string }[];
}

const party = (p: Statement['ccg']): string => (p.name ? `${p.name} (${p.code})` : p.code);

export const statementRows = (s: Statement): StatementRows => {
  const header: [string, string][] = [
    ['Contract', s.contractId],
    ['Commissioner (CCG)', party(s.ccg)],
    ['Support unit (CSU)', party(s.csu)],
    ['Quarter', s.period],
    ['Status', s.status === 'approved' ? 'Approved' : 'Open (not yet approved)'],
    ['Performance assessed on', formatDate(s.assessedOn)],
  ];
  if (s.approval) {
    const by = s.approval.approvedBy;
    header.push(['Approved by', by ? `${by.name} (${by.sub}), ${by.org}` : 'not recorded']);
    header.push(['Approval date', formatDate(s.approval.businessDate)]);
    if (s.approval.recordedAt) header.push(['Approval recorded', s.approval.recordedAt]);
  }
  const events: StatementRows['events'] = [];
  const lines = s.lines.map((l, i) => {
    for (const e of l.events) {
      events.push({ line: i + 1, eventId: e.eventId, type: e.type, businessDate: e.businessDate, recordedAt: e.recordedAt, who: `${e.by.name} (${e.by.sub})`, organisation: e.by.org, role: e.by.role });
    }
    return {
      line: i + 1,
      figure: l.figure,
      label: l.label,
      period: l.period,
      amount: l.amountPence === null ? null : { pence: l.amountPence },
      value: l.valuePence === null ? null : { pence: l.valuePence },
      events: l.events.length,
    };
  });
  return {
    title: `Settlement statement: ${s.contractId}, ${s.period}`,
    header,
    lineColumns: ['Line', 'Figure', 'Description', 'Period', 'Amount (£)', 'Shown for reading (£)', 'Events'],
    lines,
    eventColumns: ['Line', 'Event id', 'Event', 'Business date', 'Recorded at', 'Recorded by', 'Organisation', 'Role'],
    events,
  };
};
