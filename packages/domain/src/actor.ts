export type Role = 'admin' | 'csu' | 'ccg' | 'auditor';
export const ROLES: readonly Role[] = ['admin', 'csu', 'ccg', 'auditor'];

/** Who acts: from the bearer token (DOMAIN.md: Who may do what). */
export interface Actor {
  sub: string;
  name: string;
  org: string;
  roles: Role[];
}

/** Who did it, as every event records it: the acting role, not every role the token held (DOMAIN.md). */
export interface RecordedActor {
  sub: string;
  name: string;
  org: string;
  role: Role;
}
