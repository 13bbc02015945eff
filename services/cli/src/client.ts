// A small HTTP client for the CLI and the end-to-end tests: JSON in and out, a bearer token per actor.
export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export const call = async <T = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> => {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text, the caller shows it
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
};
