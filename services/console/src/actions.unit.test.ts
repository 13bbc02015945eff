// The transitions the console offers, against DOMAIN.md's tables (Extras; Acute activity challenges) and its
// "Who may do what" (csu raises/revises/withdraws/escalates extras and works challenges; ccg accepts, disputes,
// resolves and escalates extras). Written out by hand from DOMAIN.md, not from the code.
import { describe, expect, it } from 'vitest';
import { transitionsFor } from './actions.ts';
import type { Challenge, Extra } from './views.ts';

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
  ] as const)('%s, %s: %j', (status, role, offered) => expect(transitionsFor('challenge', challenge(status), role).sort()).toEqual([...offered].sort()));
});
