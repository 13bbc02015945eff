// Synchroniser tokens (OWASP): each session holds a random token, every form carries it in `_csrf`, and every POST
// must send it back. SameSite=Lax already keeps the cookie off cross-site POSTs in current browsers; the token is the
// check that does not depend on the browser (older ones, or a page on a sibling subdomain, which counts as same-site).
import { timingSafeEqual } from 'node:crypto';

export const CSRF_FIELD = '_csrf';

/** Does the token sent equal the session's? Constant time in the token's length. */
export const csrfMatches = (expected: string | undefined, sent: unknown): boolean => {
  if (typeof expected !== 'string' || typeof sent !== 'string' || expected.length === 0) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
};
