import { describe, expect, it } from 'vitest';
import type { Actor, Role } from '@csu-ledger/domain';
import {
  actingRole,
  canSeeContract,
  canSeeOrganisationSpend,
  canVerifyIntegrity,
  mayActOnContract,
  mayDo,
  partyOf,
  PERMISSIONS,
  rolesFor,
  type Permission,
} from './permissions.ts';

// DOMAIN.md "Who may do what", written out again by hand so that the implementation is checked against the page,
// not against itself.
const MAY: Record<Role, readonly Permission[]> = {
  admin: ['register-organisation', 'rename-organisation', 'agree-contract', 'vary-contract'],
  csu: [
    'deliver',
    'report-measurement',
    'raise-extra',
    'revise-extra',
    'withdraw-extra',
    'escalate-extra',
    'raise-challenge',
    'record-trust-response',
    'escalate-challenge',
    'resolve-challenge',
    'withdraw-challenge',
    'submit-invoice',
    'withdraw-invoice',
    'serve-break-notice',
  ],
  ccg: [
    'reject-delivery',
    'accept-extra',
    'dispute-extra',
    'resolve-extra',
    'escalate-extra',
    'approve-settlement',
    'query-recovery',
    'confirm-recovery',
    'dispute-invoice',
    'pay-invoice',
    'serve-break-notice',
  ],
  auditor: [],
};
const ALL_ROLES: Role[] = ['admin', 'csu', 'ccg', 'auditor'];
const ALL_PERMISSIONS: Permission[] = [
  'register-organisation',
  'rename-organisation',
  'agree-contract',
  'vary-contract',
  'serve-break-notice',
  'deliver',
  'report-measurement',
  'reject-delivery',
  'approve-settlement',
  'raise-extra',
  'accept-extra',
  'dispute-extra',
  'revise-extra',
  'withdraw-extra',
  'resolve-extra',
  'escalate-extra',
  'raise-challenge',
  'record-trust-response',
  'escalate-challenge',
  'resolve-challenge',
  'withdraw-challenge',
  'query-recovery',
  'confirm-recovery',
  'submit-invoice',
  'withdraw-invoice',
  'dispute-invoice',
  'pay-invoice',
];

const CCG = '08J';
const CSU = '0AX';
const parties = { ccg: CCG, csu: CSU };
const actor = (roles: Role[], org: string): Actor => ({ sub: 's', name: 'n', org, roles });
/** The organisation a role must be to act on `parties`: its own side (admin and auditor: any). */
const ownOrg = (role: Role): string => (role === 'ccg' ? CCG : role === 'csu' ? CSU : 'X26');

describe('PERMISSIONS', () => {
  it('lists every permission exactly once', () => {
    expect(Object.keys(PERMISSIONS).sort()).toEqual([...ALL_PERMISSIONS].sort());
  });

  describe.each(ALL_ROLES)('role %s', (role) => {
    it.each(ALL_PERMISSIONS)('%s matches DOMAIN.md', (permission) => {
      const allowed = MAY[role].includes(permission);
      expect(PERMISSIONS[permission].includes(role)).toBe(allowed);
      expect(mayDo(actor([role], ownOrg(role)), permission)).toBe(allowed);
      expect(mayActOnContract(actor([role], ownOrg(role)), permission, parties)).toBe(allowed);
      // another organisation's contract: only admin's rights are not tied to a side
      expect(mayActOnContract(actor([role], '5QA'), permission, parties)).toBe(allowed && role === 'admin');
    });
  });
});

describe('organisation scoping', () => {
  it('ties each side to its own role: a CCG code holding the csu role is not the CSU', () => {
    expect(mayActOnContract(actor(['csu'], CCG), 'deliver', parties)).toBe(false);
    expect(mayActOnContract(actor(['ccg'], CSU), 'approve-settlement', parties)).toBe(false);
  });

  it('compares codes without regard to case', () => {
    expect(mayActOnContract(actor(['csu'], CSU), 'deliver', { ccg: '08j', csu: '0ax' })).toBe(true);
    expect(canSeeContract(actor(['ccg'], CCG), { ccg: '08j', csu: '0ax' })).toBe(true);
  });

  it('lets a token with several roles act through whichever role fits', () => {
    const both = actor(['ccg', 'csu'], CSU);
    expect(rolesFor(both, 'escalate-extra')).toEqual(['ccg', 'csu']);
    expect(actingRole(both, 'escalate-extra', parties)).toBe('csu');
    expect(mayActOnContract(both, 'accept-extra', parties)).toBe(false);
    const adminCsu = actor(['admin', 'csu'], CSU);
    expect(actingRole(adminCsu, 'agree-contract', parties)).toBe('admin');
    expect(actingRole(adminCsu, 'deliver', parties)).toBe('csu');
  });

  it('says which party serves a break notice', () => {
    expect(partyOf(actor(['csu'], CSU), 'serve-break-notice', parties)).toBe('csu');
    expect(partyOf(actor(['ccg'], CCG), 'serve-break-notice', parties)).toBe('ccg');
    expect(partyOf(actor(['csu'], '0AY'), 'serve-break-notice', parties)).toBeUndefined();
    expect(partyOf(actor(['admin'], CCG), 'serve-break-notice', parties)).toBeUndefined();
    expect(partyOf(actor(['auditor'], CCG), 'serve-break-notice', parties)).toBeUndefined();
    expect(partyOf(actor(['csu', 'ccg'], CCG), 'serve-break-notice', parties)).toBe('ccg');
  });
});

describe('canSeeContract', () => {
  it.each<[string, Role[], string, boolean]>([
    ['admin of any organisation', ['admin'], '5QA', true],
    ['auditor of any organisation', ['auditor'], '5QA', true],
    ['the CSU', ['csu'], CSU, true],
    ['another CSU', ['csu'], '0AY', false],
    ['the CCG', ['ccg'], CCG, true],
    ['another CCG', ['ccg'], '36L', false],
    ['the CCG code with only the csu role', ['csu'], CCG, false],
    ['a token with both roles, matching on one side', ['ccg', 'csu'], CSU, true],
  ])('%s: %s', (_label, roles, org, expected) => {
    expect(canSeeContract(actor(roles, org), parties)).toBe(expected);
  });
});

describe('canSeeOrganisationSpend', () => {
  it('lets admin, auditor and the commissioner itself see it', () => {
    expect(canSeeOrganisationSpend(actor(['admin'], 'X26'), CCG)).toBe(true);
    expect(canSeeOrganisationSpend(actor(['auditor'], 'X26'), CCG)).toBe(true);
    expect(canSeeOrganisationSpend(actor(['ccg'], CCG), CCG)).toBe(true);
    expect(canSeeOrganisationSpend(actor(['ccg'], '36L'), CCG)).toBe(false);
    expect(canSeeOrganisationSpend(actor(['csu'], CCG), CCG)).toBe(false);
  });
});

describe('integrity checks of the whole log', () => {
  it('are for auditors only', () => {
    const as = (role: Role) => ({ sub: 's', name: 'n', org: 'NAO', roles: [role] });
    expect((['admin', 'csu', 'ccg', 'auditor'] as const).filter((r) => canVerifyIntegrity(as(r)))).toEqual(['auditor']);
  });
});
