import { describe, expect, it } from 'vitest';
import { actionForm, type ActionContext } from './actions.ts';
import { errorsFromProblem, formView, readForm } from './forms.ts';

const ctx: ActionContext = {
  contractId: 'KIN-0AX-2025',
  today: '2026-11-30',
  months: ['2025-26-M01', '2025-26-M02'],
  month: '2025-26-M02',
  kpis: [
    { id: 'K1', name: 'SLAM validation', serviceLine: 'acute', weightBp: 7000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
    { id: 'K3', name: 'Press queries', serviceLine: 'comms', weightBp: 3000, targetBp: 9500, kind: 'measured' },
  ],
};

describe('reading a command form', () => {
  it('turns pounds, dates and text into the command body', () => {
    const spec = actionForm('raise-extra', ctx);
    const read = readForm(spec, {
      amount: '£2,750.00',
      description: ' Activity analysis ',
      serviceLine: 'business-intelligence',
      requestedBy: 'Head of Urgent Care',
      'businessDate[day]': '1',
      'businessDate[month]': '9',
      'businessDate[year]': '2025',
    });
    expect(read.errors).toEqual([]);
    expect(read.body).toEqual({ amountPence: 275_000n, description: 'Activity analysis', serviceLine: 'business-intelligence', requestedBy: 'Head of Urgent Care', businessDate: '2025-09-01' });
  });
  it('sends a measurement as basis points and leaves an empty optional note out', () => {
    const read = readForm(actionForm('record-measurement', ctx), { kpiId: 'K3', month: '2025-26-M01', achieved: '96.5', note: '', 'businessDate[day]': '2', 'businessDate[month]': '5', 'businessDate[year]': '2025' });
    expect(read.body).toEqual({ kpiId: 'K3', month: '2025-26-M01', achievedBp: 9650, businessDate: '2025-05-02' });
  });
  it('finds what is wrong before asking any service, each error tied to its field', () => {
    const spec = actionForm('record-delivery', ctx);
    const read = readForm(spec, { kpiId: 'K9', month: '', 'deliveredOn[day]': '31', 'deliveredOn[month]': '2', 'deliveredOn[year]': '2025' });
    expect(read.errors).toEqual([
      { field: 'record-delivery-kpiId', message: 'Select KPI from the list' },
      { field: 'record-delivery-month', message: 'Select month delivered for' },
      { field: 'record-delivery-deliveredOn-day', message: 'Delivered on must be a real date, like 15 5 2025' },
    ]);
    expect(read.values['deliveredOn-day']).toBe('31');
  });
  it('refuses an amount that is not pounds and pence', () => {
    const read = readForm(actionForm('resolve-extra', ctx, 'x1'), { agreed: '9,000.005', 'businessDate[day]': '1', 'businessDate[month]': '9', 'businessDate[year]': '2025' });
    expect(read.errors).toEqual([{ field: 'resolve-extra-x1-agreed', message: 'Amount both sides agreed must be an amount in pounds and pence, like 18,500.00' }]);
  });
  it('keeps the approver’s figure exact, as digits', () => {
    const spec = actionForm('approve-settlement', ctx, '2025-26-Q1');
    const read = readForm(spec, { netPayablePence: '9007199254740993', 'businessDate[day]': '30', 'businessDate[month]': '11', 'businessDate[year]': '2026' });
    expect(read.body.netPayablePence).toBe(9_007_199_254_740_993n);
  });
});

describe('a service refusal on the form', () => {
  const spec = actionForm('resolve-extra', ctx, 'x1');
  it('puts each field problem on its field', () => {
    expect(errorsFromProblem(spec, { code: 'validation-failed', title: 'Validation failed', errors: [{ path: 'agreedPence', message: 'must be whole pence' }, { path: 'businessDate', message: 'must not be in the future' }] })).toEqual([
      { field: 'resolve-extra-x1-agreed', message: 'Amount both sides agreed: must be whole pence' },
      { field: 'resolve-extra-x1-businessDate-day', message: 'Date agreed: must not be in the future' },
    ]);
  });
  it('links a refusal about one field to it, and any other to the form', () => {
    expect(errorsFromProblem(spec, { code: 'amount-exceeds-claim', title: 'Amount exceeds claim', detail: 'the agreed amount exceeds the claim', errors: [] })).toEqual([
      { field: 'resolve-extra-x1-agreed', message: 'The agreed amount exceeds the claim' },
    ]);
    expect(errorsFromProblem(spec, { code: 'transition-not-allowed', title: 'Transition not allowed', errors: [] })).toEqual([{ field: undefined, message: 'Transition not allowed' }]);
  });
  it('shows typed values again, but never an earlier figure in a hidden field', () => {
    const approve = actionForm('approve-settlement', ctx, '2025-26-Q1');
    approve.fields = approve.fields.map((f) => (f.name === 'netPayablePence' ? { ...f, value: '41700000' } : f));
    const view = formView(approve, { form: 'approve-settlement:2025-26-Q1', values: { netPayablePence: '40500000', 'businessDate-day': '29' }, errors: [{ message: 'stale' }] }, 'k'.repeat(43));
    expect(view.open).toBe(true);
    expect(view.fields.find((f) => f.name === 'netPayablePence')).toMatchObject({ current: '41700000' });
    expect(view.fields.find((f) => f.name === 'businessDate')).toMatchObject({ day: '29', month: '11', year: '2026' });
  });
});
