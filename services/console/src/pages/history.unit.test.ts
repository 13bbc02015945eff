import { describe as suite, expect, it } from 'vitest';
import { safeReturn } from '../app.ts';
import type { HistoryEvent } from '../views.ts';
import { describe, justBefore } from './history.ts';

const event = (type: string, data: Record<string, unknown>): HistoryEvent => ({
  position: '1',
  eventId: 'e',
  streamName: 's',
  revision: 0,
  type,
  businessDate: null,
  recordedAt: '2025-07-21T09:15:03.000Z',
  actor: null,
  correlationId: null,
  causationId: null,
  data,
});

suite('the timeline in words', () => {
  it.each([
    ['DeliverableDelivered', { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-20', reference: 'K1-M01' }, 'K1 for 2025/26 M1 delivered on 20 May 2025 (reference K1-M01)'],
    ['SettlementApproved', { quarter: '2025-26-Q1', netPayablePence: 41_700_000n }, 'Settlement of 2025/26 Q1 approved at £417,000.00'],
    ['ExtraResolved', { agreedPence: 900_000n }, 'Extra resolved at £9,000.00'],
    ['MeasurementReported', { kpiId: 'K3', month: '2025-26-M02', achievedBp: 9500 }, 'K3 for 2025/26 M2: 95% reported'],
    [
      'MeasurementReported',
      { kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600, evidence: { note: 'press office log', achieved: 48, outOf: 50, unit: 'queries answered in 2 WD' } },
      'K3 for 2025/26 M1: 96% reported (48 of 50 queries answered in 2 WD; press office log)',
    ],
    ['MeasurementReported', { kpiId: 'K3', month: '2025-26-M02', achievedBp: 9500, evidence: { note: 'from the log' } }, 'K3 for 2025/26 M2: 95% reported (from the log)'],
    ['TrustResponded', { acceptedPence: 8_000_000n, rejectedPence: 1_000_000n }, 'Trust responded: accepts £80,000.00, rejects £10,000.00'],
    ['SomethingNew', {}, 'SomethingNew'],
  ])('%s', (type, data, text) => expect(describe(event(type, data))).toBe(text));

  it('looks just before an event: one millisecond earlier', () => expect(justBefore('2025-07-21T09:15:03.000Z')).toBe('2025-07-21T09:15:02.999Z'));
});

suite('where a form may send the user back to', () => {
  it.each(['/', '/contracts/KIN-0AX-2025/history', '/contracts/X/settlements/2025-26-Q1?asAt=2025-07-21T09%3A15%3A02.999Z'])('%s, on this console', (path) =>
    expect(safeReturn(path)).toBe(path),
  );
  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', undefined, ['/']])('not %j', (path) =>
    expect(safeReturn(path)).toBe('/'),
  );
});
