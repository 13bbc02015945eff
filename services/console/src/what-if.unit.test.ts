import { describe, expect, it } from 'vitest';
import type { Challenge, Extra } from './views.ts';
import { fieldOfRefusal, readWhatIf } from './what-if.ts';

const extra = (extraId: string, status: Extra['status'], amountPence: bigint, raisedOn = '2025-05-19'): Extra => ({
  extraId,
  status,
  raisedOn,
  description: `Extra ${extraId}`,
  serviceLine: 'bi',
  requestedBy: 'someone',
  originalPence: amountPence,
  amountPence,
  payablePence: null,
  disputeReason: null,
  settledInQuarter: null,
  lastChangedOn: raisedOn,
});
const challenge = (challengeId: string, status: Challenge['status'], valuePence: bigint, raisedOn = '2025-06-02'): Challenge => ({
  challengeId,
  status,
  trust: 'RAX',
  trustName: 'Kingston Hospital',
  activityMonth: '2025-26-M02',
  category: 'coding-hrg',
  activityLines: 10,
  phase: null,
  raisedOn,
  valuePence,
  acceptedPence: null,
  rejectedPence: null,
  recoveredPence: null,
  settledInQuarter: null,
  responseDeadline: '2025-06-30',
  overdue: false,
});

const extras = [extra('C.extra-1', 'disputed', 420_000n), extra('C.extra-2', 'resolved', 900_000n), extra('C.extra-3', 'awaiting-ccg', 10_000n, '2025-07-01')];
const challenges = [challenge('C.challenge-1', 'raised', 5_000_000n), challenge('C.challenge-2', 'resolved', 1_000n)];
const Q1_END = '2025-06-30';

describe('the what-if form', () => {
  it('offers the open extras and challenges raised by the quarter’s end, nothing else', () => {
    const f = readWhatIf({}, extras, challenges, Q1_END);
    expect(f.choices.map((c) => [c.kind, c.id, c.name])).toEqual([
      ['extra', 'C.extra-1', 'extra:C.extra-1'],
      ['challenge', 'C.challenge-1', 'challenge:C.challenge-1'],
    ]);
    expect(f.choices[0]!.hint).toBe('Disputed; claimed £4,200.00. Agreed at, in pounds:');
    expect(f.choices[1]!.label).toBe('Challenge: Kingston Hospital, Coding (HRG), raised 2 June 2025');
    expect(f.asked).toBe(false);
    expect(f.errors).toEqual([]);
  });

  it('reads pounds as typed into the id:pence pairs the query service takes', () => {
    const f = readWhatIf({ whatIf: 'yes', 'extra:C.extra-1': '£2,000', 'challenge:C.challenge-1': '12345.6' }, extras, challenges, Q1_END);
    expect(f.errors).toEqual([]);
    expect(f.extras).toBe('C.extra-1:200000');
    expect(f.challenges).toBe('C.challenge-1:1234560');
    expect(f.assumed.map((a) => a.pence)).toEqual([200_000n, 1_234_560n]);
  });

  it('says what is wrong with each field: not money, more than claimed or challenged, or nothing entered', () => {
    const wrong = readWhatIf({ whatIf: 'yes', 'extra:C.extra-1': '4,200.01', 'challenge:C.challenge-1': 'lots' }, extras, challenges, Q1_END);
    expect(wrong.errors).toEqual([
      { field: 'whatif-extra-1', message: 'Extra: Extra C.extra-1: £4,200.01 is more than the £4,200.00 claimed' },
      { field: 'whatif-challenge-1', message: 'Challenge: Kingston Hospital, Coding (HRG), raised 2 June 2025: enter an amount in pounds and pence, like 2,000.00' },
    ]);
    expect(wrong.extras).toBe('');
    const empty = readWhatIf({ whatIf: 'yes' }, extras, challenges, Q1_END);
    expect(empty.errors).toEqual([{ field: 'whatif-extra-1', message: 'Enter at least one amount to see what the net payable would be' }]);
  });

  it('puts a refusal that names an id on that id’s field', () => {
    const f = readWhatIf({ whatIf: 'yes', 'extra:C.extra-1': '1', 'challenge:C.challenge-1': '2' }, extras, challenges, Q1_END);
    expect(fieldOfRefusal(f, 'C.challenge-1 is withdrawn, not open')).toBe('whatif-challenge-1');
    expect(fieldOfRefusal(f, 'something else')).toBe('whatif-extra-1');
  });
});
