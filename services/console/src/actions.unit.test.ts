// The transitions the console offers, against DOMAIN.md's tables (Extras; Acute activity challenges) and its
// "Who may do what" (csu raises/revises/withdraws/escalates extras and works challenges; ccg accepts, disputes,
// resolves and escalates extras). Written out by hand from DOMAIN.md, not from the code.
import { describe, expect, it } from 'vitest';
import { transitionsFor } from './actions.ts';
import type { Challenge, Extra, Invoice } from './views.ts';

const extra = (status: Extra['status']) => ({ status }) as Extra;
const challenge = (status: Challenge['status']) => ({ status }) as Challenge;

describe('extras: the forms offered in each state', () => {
  it.each([
    ['awaiting-ccg', 'ccg', ['accept-extra', 'dispute-extra']],
    ['awaiting-ccg', 'csu', ['withdraw-extra']],
    ['disputed', 'ccg', ['resolve-extra', 'escalate-extra']],
    ['disputed', 'csu', ['revise-extra', 'escalate-extra', 'withdraw-extra']],
    ['escalated', 'ccg', ['resolve-extra']],
    ['escalated', 'csu', ['withdraw-extra']],
    ['accepted', 'ccg', []],
    ['resolved', 'csu', []],
    ['withdrawn', 'ccg', []],
    ['disputed', 'auditor', []],
    ['disputed', 'admin', []],
  ] as const)('%s, %s: %j', (status, role, offered) => expect(transitionsFor('extra', extra(status), role).sort()).toEqual([...offered].sort()));
});

describe('challenges: the forms offered in each state', () => {
  const open = ['record-trust-response', 'escalate-challenge', 'resolve-challenge', 'withdraw-challenge'];
  it.each([
    ['raised', 'csu', open],
    ['responded', 'csu', open],
    ['escalated', 'csu', ['resolve-challenge', 'withdraw-challenge']],
    ['resolved', 'csu', []],
    ['withdrawn', 'csu', []],
    ['raised', 'ccg', []],
    ['raised', 'auditor', []],
    // Issue 13: CCG finance queries a recovery, then confirms it; the CSU may record it again, clearing the query.
    ['resolved', 'ccg', ['query-recovery']],
    ['queried', 'ccg', ['confirm-recovery']],
    ['queried', 'csu', ['resolve-challenge']],
  ] as const)('%s, %s: %j', (status, role, offered) => expect(transitionsFor('challenge', challenge(status), role).sort()).toEqual([...offered].sort()));
});

describe('invoices: the forms offered in each state (DOMAIN.md: Invoices and payment)', () => {
  const invoice = (status: Invoice['status'], kind: Invoice['kind'] = 'core') => ({ status, kind }) as Invoice;
  it.each([
    ['submitted', 'ccg', ['dispute-invoice', 'pay-invoice']],
    ['submitted', 'csu', ['withdraw-invoice']],
    ['disputed', 'ccg', ['pay-invoice']],
    ['disputed', 'csu', ['withdraw-invoice']],
    ['paid', 'ccg', []],
    ['paid', 'csu', []],
    ['withdrawn', 'ccg', []],
    ['submitted', 'auditor', []],
  ] as const)('%s, %s: %j', (status, role, offered) => expect(transitionsFor('invoice', invoice(status), role).sort()).toEqual([...offered].sort()));
  it('never offers to pay a credit note', () => expect(transitionsFor('invoice', invoice('submitted', 'credit-note'), 'ccg')).toEqual(['dispute-invoice']));
});
