// The one way a store spec (LEDGER_STORE) reaches a log line or a message (issue 9): with every password in it
// replaced. Parsed rather than matched with one pattern, since a password may sit in the userinfo (and hold '@', '/'
// or '?' unencoded) or in the query (`?password=…`, `&sslpassword=…`).

const HIDDEN = '***';
/** Query parameters that carry secrets: password, sslpassword, passwd, pwd, token, secret, credentials… */
const SECRET_PARAMETER = /pass|pwd|secret|token|credential/i;
const URL_SPEC = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^]*)$/;

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
};

/** `a=1&password=x` -> `a=1&password=***`; a parameter is judged by its decoded name. */
const redactQuery = (query: string): string =>
  query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAMETER.test(decoded(name)) ? `${name}=${HIDDEN}` : pair;
    })
    .join('&');

/**
 * `postgres://ledger:p@ss/word@db:5432/ledger?sslpassword=x` -> `postgres://ledger:***@db:5432/ledger?sslpassword=***`.
 * Not `new URL`: it refuses the comma-separated hosts of an esdb:// cluster and splits an unencoded '/' in a password
 * at the wrong place, and a spec it cannot parse must still never be printed whole. The userinfo is everything before
 * the last '@' (hiding a host too when a query value holds an '@' is the safe way to be wrong); anything that is not
 * `sqlite:<path>` or `<scheme>://…` is shown as its first word only.
 */
export const redactStoreSpec = (spec: string): string => {
  if (spec.startsWith('sqlite:')) return spec;
  const url = URL_SPEC.exec(spec);
  if (url === null) return `${/^[A-Za-z][A-Za-z0-9+.-]*:?/.exec(spec)?.[0] ?? ''}${HIDDEN}`;
  const [, scheme = '', rest = ''] = url;
  const at = rest.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : rest.slice(0, at);
  const afterUser = at < 0 ? rest : rest.slice(at + 1);
  const user = userinfo === undefined ? '' : `${userinfo.split(':')[0] ?? ''}${userinfo.includes(':') ? `:${HIDDEN}` : ''}@`;
  const q = afterUser.indexOf('?');
  const where = q < 0 ? afterUser : `${afterUser.slice(0, q)}?${redactQuery(afterUser.slice(q + 1))}`;
  return `${scheme}${user}${where}`;
};
