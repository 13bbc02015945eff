// Holds every answer the int and e2e suites receive to the services' OpenAPI documents (issue 10: "every answer of
// the end-to-end suites validates against its documented schema"). The test HTTP clients (in-process.ts, system.ts)
// call `conform` on each answer; a mismatch throws, failing the test that made the request. For the check, every
// documented object is closed (`unevaluatedProperties: false`): a field an answer carries but the document does not
// name fails too, so the documents stay complete, not just true. (Clients are told to ignore fields they do not know;
// the published documents stay open.)
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { call, type Answer } from '@csu-ledger/cli';
import { commandOpenApi } from '../../services/command-service/src/openapi.ts';
import { queryOpenApi } from '../../services/query-service/src/openapi.ts';

export type Service = 'command' | 'query';
type Json = Record<string, unknown>;

// ajv-formats is CommonJS whose types claim an ES default export: take module.exports as it is.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv2020) => Ajv2020;

export const documents: Record<Service, () => Record<string, unknown>> = { command: commandOpenApi, query: queryOpenApi };

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal segments: `/audit/verify` wins over a `/audit/{id}` that would also match. */
  literals: number;
  responses: Record<string, Json>;
}

/** `/contracts/{contractId}` as a RegExp over a request path (Express: a trailing slash and any case match too). */
export const templatePattern = (template: string): RegExp =>
  new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i');

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy with every `#/components/schemas/X` pointing at `base` and every object schema closed. */
const prepare = (value: unknown, base: string, inExample = false): unknown => {
  if (Array.isArray(value)) return value.map((v) => prepare(v, base, inExample));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/') && !inExample
      ? `${base}#/$defs/${v.slice('#/components/schemas/'.length)}`
      : prepare(v, base, inExample || k === 'example' || k === 'examples');
  }
  if (!inExample && out.type === 'object' && isObject(out.properties) && !('additionalProperties' in out)) {
    out.unevaluatedProperties = false;
  }
  return out;
};

interface Checker {
  routes: Route[];
  components: Json;
  base: string;
  validators: Map<string, ValidateFunction>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const checkers = new Map<Service, Checker>();

const checkerFor = (service: Service): Checker => {
  let c = checkers.get(service);
  if (c) return c;
  const base = `https://csu-ledger.test/${service}/schemas`;
  const doc = prepare(documents[service](), base) as { paths: Record<string, Record<string, Json>>; components: Json };
  ajv.addSchema({ $id: base, $defs: doc.components.schemas });
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      routes.push({
        method: method.toUpperCase(),
        template,
        pattern: templatePattern(template),
        literals: template.split('/').filter((s) => s !== '' && !s.startsWith('{')).length,
        responses: op.responses as Record<string, Json>,
      });
    }
  }
  c = { routes, components: doc.components, base, validators: new Map() };
  checkers.set(service, c);
  return c;
};

/** The documented route a request reached, if any. */
export const routeOf = (service: Service, method: string, path: string): Route | undefined => {
  const bare = path.split('?')[0]!.split('#')[0]!;
  return checkerFor(service)
    .routes.filter((r) => r.method === method.toUpperCase() && r.pattern.test(bare))
    .sort((a, b) => b.literals - a.literals)[0];
};

const resolve = (c: Checker, response: Json): Json => {
  const ref = response.$ref;
  if (typeof ref !== 'string') return response;
  const name = decodeURIComponent(ref.slice('#/components/responses/'.length));
  return (c.components.responses as Record<string, Json>)[name]!;
};

const validator = (c: Checker, key: string, schema: unknown): ValidateFunction => {
  let v = c.validators.get(key);
  if (!v) {
    v = ajv.compile(schema as Json);
    c.validators.set(key, v);
  }
  return v;
};

export interface AnswerSeen {
  status: number;
  /** The Content-Type header, or '' */
  contentType: string;
  /** Parsed JSON, when the answer is JSON. */
  body: unknown;
}

const problemSchema = (c: Checker) => ({ $ref: `${c.base}#/$defs/Problem` });

/**
 * Throws unless the answer is one the service's document gives for this request: a documented status with a
 * documented media type and, for JSON, a body its schema accepts. A request to no documented route must get a
 * problem (404 no such route, or 401 before that: the token is checked first).
 */
export const conform = (service: Service, method: string, path: string, answer: AnswerSeen): void => {
  const c = checkerFor(service);
  const mediaType = answer.contentType.split(';')[0]!.trim().toLowerCase();
  const where = `${method.toUpperCase()} ${path} (${service} service)`;
  const fail = (why: string): never => {
    const shown = JSON.stringify(answer.body) ?? '';
    throw new Error(`OpenAPI: ${where} answered ${answer.status} ${mediaType}: ${why}\n  body: ${shown.slice(0, 600)}`);
  };
  const check = (key: string, schema: unknown) => {
    const v = validator(c, key, schema);
    if (!v(answer.body)) {
      const errors = (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
      fail(`the documented schema refuses it:\n    ${errors.join('\n    ')}`);
    }
  };
  const route = routeOf(service, method, path);
  if (!route) {
    if (mediaType !== 'application/problem+json') fail('no documented route, and the answer is not a problem');
    check('Problem', problemSchema(c));
    return;
  }
  const documented = route.responses[String(answer.status)];
  const name = `${route.method} ${route.template}`;
  if (!documented) {
    const code = isObject(answer.body) ? ` (code ${String(answer.body.code)})` : '';
    fail(`${answer.status}${code} is not documented for ${name}: document the status or problem code in the service's openapi.ts`);
  }
  const content = (resolve(c, documented!).content ?? {}) as Record<string, Json>;
  const media = content[mediaType];
  if (!media) fail(`${mediaType || 'no Content-Type'} is not documented for ${answer.status} of ${name} (documented: ${Object.keys(content).join(', ') || 'none'})`);
  if (/json$/.test(mediaType) && media!.schema !== undefined) check(`${name} ${answer.status} ${mediaType}`, media!.schema);
};

/**
 * `call` of @csu-ledger/cli, for suites that drive the services' processes with it, with its answer held to the
 * documents: a POST is a command (command service), a GET a read (query service). (GET /health and /metrics of the
 * command service are fetched directly by the suites that want them.)
 */
export const checkedCall = async <T = Record<string, unknown>>(...args: Parameters<typeof call>): Promise<Answer<T>> => {
  const [, , method, path] = args;
  const answer = await call<T>(...args);
  conform(method === 'POST' ? 'command' : 'query', method, path, { status: answer.status, contentType: answer.headers.get('content-type') ?? '', body: answer.body });
  return answer;
};
