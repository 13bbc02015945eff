// The development key and tokens alone, for the command line: `pnpm ledger token` loads this and nothing of express,
// the stores or the domain's calendar, so it answers in a fraction of a second (issue 10).
export { devSecret, type AuthSettings } from './config.ts';
export { signDevToken, type DevTokenClaims } from './tokens.ts';
export { ROLES, type Role } from '@csu-ledger/domain/actor';
