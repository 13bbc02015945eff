import type { Actor, Role } from '@csu-ledger/domain';

export type Permission =
  | 'register-organisation'
  | 'rename-organisation'
  | 'agree-contract'
  | 'vary-contract'
  | 'serve-break-notice'
  | 'deliver'
  | 'report-measurement'
  | 'reject-delivery'
  | 'approve-settlement'
  | 'raise-extra'
  | 'accept-extra'
  | 'dispute-extra'
  | 'revise-extra'
  | 'withdraw-extra'
  | 'resolve-extra'
  | 'escalate-extra'
  | 'raise-challenge'
  | 'record-trust-response'
  | 'escalate-challenge'
  | 'resolve-challenge'
  | 'withdraw-challenge'
  | 'query-recovery'
  | 'confirm-recovery'
  | 'submit-invoice'
  | 'withdraw-invoice'
  | 'dispute-invoice'
  | 'pay-invoice';

/** DOMAIN.md: Who may do what. The one place the rule lives; `auditor` may do nothing. */
export const PERMISSIONS: Readonly<Record<Permission, readonly Role[]>> = {
  'register-organisation': ['admin'],
  'rename-organisation': ['admin'],
  'agree-contract': ['admin'],
  'vary-contract': ['admin'],
  'serve-break-notice': ['csu', 'ccg'],
  deliver: ['csu'],
  'report-measurement': ['csu'],
  'reject-delivery': ['ccg'],
  'approve-settlement': ['ccg'],
  'raise-extra': ['csu'],
  'accept-extra': ['ccg'],
  'dispute-extra': ['ccg'],
  'revise-extra': ['csu'],
  'withdraw-extra': ['csu'],
  'resolve-extra': ['ccg'],
  'escalate-extra': ['csu', 'ccg'],
  'raise-challenge': ['csu'],
  'record-trust-response': ['csu'],
  'escalate-challenge': ['csu'],
  'resolve-challenge': ['csu'],
  'withdraw-challenge': ['csu'],
  'query-recovery': ['ccg'],
  'confirm-recovery': ['ccg'],
  'submit-invoice': ['csu'],
  'withdraw-invoice': ['csu'],
  'dispute-invoice': ['ccg'],
  'pay-invoice': ['ccg'],
};

/** The two organisations a contract binds, by ODS code. */
export interface ContractParties {
  ccg: string;
  csu: string;
}

// Codes are compared without regard to case: tokens are normalised, but stored contracts may not be.
const sameOrg = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

/** The actor's roles that grant the permission, in the order the token gives them. */
export const rolesFor = (actor: Actor, permission: Permission): Role[] =>
  actor.roles.filter((role) => PERMISSIONS[permission].includes(role));

/** May the actor do this at all (before looking at whose contract it is)? 403 when not. */
export const mayDo = (actor: Actor, permission: Permission): boolean => rolesFor(actor, permission).length > 0;

/** Does this role, held by this actor, act for this contract? admin acts on all; csu and ccg on their own side. */
const inScope = (actor: Actor, role: Role, parties: ContractParties): boolean => {
  switch (role) {
    case 'admin':
      return true;
    case 'csu':
      return sameOrg(actor.org, parties.csu);
    case 'ccg':
      return sameOrg(actor.org, parties.ccg);
    case 'auditor':
      return false;
  }
};

/** The role the actor acts in on this contract (recorded on the event), or undefined when none may. */
export const actingRole = (actor: Actor, permission: Permission, parties: ContractParties): Role | undefined =>
  rolesFor(actor, permission).find((role) => inScope(actor, role, parties));

export const mayActOnContract = (actor: Actor, permission: Permission, parties: ContractParties): boolean =>
  actingRole(actor, permission, parties) !== undefined;

/** Which side acts, for events such as `BreakNoticeServed` that record `servedBy`; undefined if neither may. */
export const partyOf = (actor: Actor, permission: Permission, parties: ContractParties): 'ccg' | 'csu' | undefined =>
  rolesFor(actor, permission).find(
    (role): role is 'ccg' | 'csu' => (role === 'ccg' || role === 'csu') && inScope(actor, role, parties),
  );

/** DOMAIN.md "sees": admin and auditor see all; csu and ccg see contracts where their organisation is that side. */
export const canSeeContract = (actor: Actor, parties: ContractParties): boolean =>
  actor.roles.some((role) => role === 'auditor' || inScope(actor, role, parties));

/** A commissioner's support spend: admin, auditor, or that commissioner itself. */
export const canSeeOrganisationSpend = (actor: Actor, code: string): boolean =>
  actor.roles.some((role) => role === 'admin' || role === 'auditor' || (role === 'ccg' && sameOrg(actor.org, code)));

/** DOMAIN.md: auditors see everything, including integrity checks of the whole log. */
export const canVerifyIntegrity = (actor: Actor): boolean => actor.roles.includes('auditor');
