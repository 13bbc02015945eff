// The console's one way to the two services (a backend for the browser): GET from the query service, POST to the
// command service, each with the signed-in user's own bearer token, so the services decide every permission.
// Answers are parsed so that money keeps every digit: a `…Pence` number becomes a bigint from its source text
// (JSON.parse's reviver sees the text, so 2^53 and beyond are never rounded). List answers are read tolerantly: the
// paged `{ items, next }` (API.md: Lists and history are paged) and the older `{ contracts: [...] }` alike.

declare global {
  interface JSON {
    /** Node 22+ (ES2025 JSON.parse source text access): a value JSON.stringify writes as this exact text. */
    rawJSON(text: string): unknown;
  }
}

export interface FieldProblem {
  path: string;
  message: string;
}

/** An RFC 9457 problem answered by a service. */
export class ServiceProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldProblem[];
  /** The request field a domain refusal is about (`field` of the problem), if it names one. */
  readonly field: string | undefined;
  /** The whole problem body, for members some refusals add (a stale settlement's current `netPayablePence`). */
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown> | undefined) {
    const detail = typeof body?.detail === 'string' ? body.detail : undefined;
    super(detail ?? `the service answered ${status}`);
    this.name = 'ServiceProblem';
    this.status = status;
    this.code = typeof body?.code === 'string' ? body.code : `http-${status}`;
    this.title = typeof body?.title === 'string' ? body.title : `Error ${status}`;
    this.detail = detail;
    this.field = typeof body?.field === 'string' ? body.field : undefined;
    this.body = body ?? {};
    this.errors = Array.isArray(body?.errors)
      ? (body.errors as unknown[]).flatMap((e) => {
          const f = e as Partial<FieldProblem>;
          return typeof f.path === 'string' ? [{ path: f.path, message: typeof f.message === 'string' ? f.message : 'invalid' }] : [];
        })
      : [];
  }
}

/** The service could not be reached or did not answer in time. */
export class ServiceUnavailable extends Error {
  readonly service: 'command' | 'query';
  constructor(service: 'command' | 'query', cause: unknown) {
    super(`the ${service} service is not available`, { cause });
    this.name = 'ServiceUnavailable';
    this.service = service;
  }
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

// Money (any field named with Pence: `amountPence`, `runningCostAllowancePencePerHead`) is always a bigint; any other
// integer too large for a double (a share in basis points of a huge spend) becomes one rather than be rounded.
const exactMoney: Reviver = (key, value, context) =>
  typeof value === 'number' &&
  context?.source !== undefined &&
  /^-?\d+$/.test(context.source) &&
  (key.includes('Pence') || !Number.isSafeInteger(value))
    ? BigInt(context.source)
    : value;

/** JSON text with every money integer as a bigint, exact however large. */
export const parseExact = (text: string): unknown => JSON.parse(text, exactMoney);

/** JSON text of a request body: bigints written with every digit. */
export const stringifyExact = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? JSON.rawJSON(v.toString()) : v));

export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * A list answer in either shape: `{ items, next }` (paged) or the older `{ <legacyKey>: [...] }` (everything at once,
 * `next` null). Anything else is an error rather than an empty list, so a changed answer never looks like "none".
 */
export const readList = <T>(body: unknown, legacyKey: string): Page<T> => {
  const b = body as Record<string, unknown> | undefined;
  if (b && Array.isArray(b.items)) return { items: b.items as T[], next: typeof b.next === 'string' ? b.next : null };
  if (b && Array.isArray(b[legacyKey])) return { items: b[legacyKey] as T[], next: null };
  throw new Error(`unexpected list answer: neither items nor ${legacyKey}`);
};

export interface ApiOptions {
  commandUrl: string;
  queryUrl: string;
  /** How long one request may take (ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ReadOptions {
  /** Read-your-writes: wait until the read models include this log position (X-Min-Position). */
  minPosition?: string | undefined;
}

export interface WriteOptions {
  idempotencyKey?: string | undefined;
  correlationId?: string | undefined;
}

export interface CommandAnswer {
  position?: string;
  [member: string]: unknown;
}

export interface Api {
  get<T>(token: string, path: string, opts?: ReadOptions): Promise<T>;
  /** One page of a list (`limit`, `after`); older services answer the whole list in one page. */
  page<T>(token: string, path: string, legacyKey: string, opts?: ReadOptions & { limit?: number; after?: string | undefined }): Promise<Page<T>>;
  /** Every item of a list, following `next` to the end. */
  all<T>(token: string, path: string, legacyKey: string, opts?: ReadOptions): Promise<T[]>;
  post(token: string, path: string, body: unknown, opts?: WriteOptions): Promise<CommandAnswer>;
  /**
   * A query answer as it comes (a download: CSV, XLSX, NDJSON), for streaming on to the browser; a problem is thrown
   * as for `get`.
   */
  raw(token: string, path: string, opts?: ReadOptions & { accept?: string }): Promise<Response>;
}

const withQuery = (path: string, params: Record<string, string | number | undefined>): string => {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '');
  if (entries.length === 0) return path;
  const q = new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)]));
  return `${path}${path.includes('?') ? '&' : '?'}${q.toString()}`;
};

/** How long a download may take from first byte to last. */
const DOWNLOAD_MS = 300_000;

export const createApi = (o: ApiOptions): Api => {
  const doFetch = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? 15_000;

  const send = async (service: 'command' | 'query', method: 'GET' | 'POST', path: string, token: string, headers: Record<string, string>, body?: string, ms = timeoutMs) => {
    try {
      return await doFetch(`${service === 'command' ? o.commandUrl : o.queryUrl}${path}`, {
        method,
        headers: { accept: 'application/json', authorization: `Bearer ${token}`, ...headers },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(ms),
      });
    } catch (err) {
      throw new ServiceUnavailable(service, err);
    }
  };

  const problemOf = async (res: Response): Promise<ServiceProblem> => {
    let parsed: unknown;
    try {
      parsed = parseExact(await res.text());
    } catch {
      parsed = undefined;
    }
    return new ServiceProblem(res.status, parsed as Record<string, unknown> | undefined);
  };

  const request = async (service: 'command' | 'query', method: 'GET' | 'POST', path: string, token: string, headers: Record<string, string>, body?: string) => {
    const res = await send(service, method, path, token, headers, body);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : parseExact(text);
    } catch {
      parsed = undefined;
    }
    if (res.status >= 400) throw new ServiceProblem(res.status, parsed as Record<string, unknown> | undefined);
    return { parsed, res };
  };

  const get = async <T>(token: string, path: string, opts: ReadOptions = {}): Promise<T> => {
    const headers: Record<string, string> = opts.minPosition ? { 'x-min-position': opts.minPosition } : {};
    // The read models may be a moment behind the user's last write: honour Retry-After a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        return (await request('query', 'GET', path, token, headers)).parsed as T;
      } catch (err) {
        if (!(err instanceof ServiceProblem && err.status === 503 && err.code === 'not-ready' && attempt < 3)) throw err;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };

  const page = async <T>(token: string, path: string, legacyKey: string, opts: ReadOptions & { limit?: number; after?: string | undefined } = {}): Promise<Page<T>> =>
    readList<T>(await get(token, withQuery(path, { limit: opts.limit, after: opts.after }), opts), legacyKey);

  return {
    get,
    page,
    raw: async (token, path, opts = {}) => {
      // A download streams for as long as it takes (a long history), within a generous bound.
      const res = await send(
        'query',
        'GET',
        path,
        token,
        { ...(opts.accept ? { accept: opts.accept } : {}), ...(opts.minPosition ? { 'x-min-position': opts.minPosition } : {}) },
        undefined,
        DOWNLOAD_MS,
      );
      if (res.status >= 400) throw await problemOf(res);
      return res;
    },
    all: async <T>(token: string, path: string, legacyKey: string, opts: ReadOptions = {}): Promise<T[]> => {
      const items: T[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 1000; pages++) {
        const p = await page<T>(token, path, legacyKey, { ...opts, limit: 1000, after });
        items.push(...p.items);
        if (p.next === null) return items;
        after = p.next;
      }
      throw new Error(`${path}: more than 1000 pages`);
    },
    post: async (token, path, body, opts = {}) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
        ...(opts.correlationId ? { 'x-correlation-id': opts.correlationId } : {}),
      };
      return ((await request('command', 'POST', path, token, headers, stringifyExact(body))).parsed ?? {}) as CommandAnswer;
    },
  };
};

export const query = withQuery;
