// The OpenAPI 3.1 document of a service, generated from the zod schemas that validate its requests and describe its
// answers (issue 10: one source of truth, no hand-written YAML). Each service declares its operations
// (command-service/src/openapi.ts, query-service/src/openapi.ts); this turns them into the document with zod 4's own
// JSON Schema output (draft 2020-12, the dialect of OpenAPI 3.1). Named schemas become components; the rest is inlined.
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { Role } from '@csu-ledger/domain';
import { PROBLEM_TYPE_BASE, STATUS_BY_CODE, titleFor, type ProblemCode } from '../problem.ts';

type Json = Record<string, unknown>;

export interface ApiParameter {
  schema: z.ZodType;
  description: string;
  required?: boolean;
  example?: unknown;
}

export interface ApiResponse {
  description: string;
  /** The body as JSON (application/json). */
  schema?: z.ZodType;
  /** The same answer in other media types (a statement as text/csv), by media type. */
  alternatives?: Record<string, z.ZodType>;
  example?: unknown;
  headers?: Record<string, ApiParameter>;
}

export interface ApiOperation {
  method: 'get' | 'post';
  /** OpenAPI's form: `/contracts/{contractId}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** `token`: a bearer token is required; `optional`: it may add to the answer; `none`: never needed. */
  auth: 'token' | 'optional' | 'none';
  /** The roles that may call it (packages/auth PERMISSIONS for commands); shown and given as `x-roles`. */
  roles?: readonly Role[];
  params?: Record<string, ApiParameter>;
  /** The route's strict query schema (every property a parameter), with a description per parameter. */
  query?: { schema: z.ZodType; descriptions: Readonly<Record<string, string>> };
  headers?: Record<string, ApiParameter>;
  body?: { schema: z.ZodType; example: unknown };
  responses: Record<number, ApiResponse>;
  /** Every problem code the route may answer with, beyond those every route of its kind has (see `buildOpenApi`). */
  problems: readonly ProblemCode[];
}

export interface ApiDefinition {
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  /** Schemas shown by name (components/schemas); a schema used anywhere else is inlined where it is used. */
  components: Record<string, z.ZodType>;
  operations: ApiOperation[];
}

/** What a request with a token may always meet, whatever the route. */
export const TOKEN_PROBLEMS: readonly ProblemCode[] = ['missing-token', 'invalid-token', 'rate-limited', 'key-set-unavailable'];

export const fieldProblem = z
  .object({ path: z.string().meta({ examples: ['kpis.0.weightBp'] }), message: z.string() })
  .meta({ description: 'One field at fault: its path in the body (or the parameter or header name) and why.' });

/** An RFC 9457 problem of the given status and codes; extension members (`errors`, `field`, …) may follow. */
export const problemSchema = (codes: readonly [ProblemCode, ...ProblemCode[]], status?: number) =>
  z
    .looseObject({
      type: z.string().meta({ format: 'uri', description: `${PROBLEM_TYPE_BASE}<code>` }),
      title: z.string(),
      status: status === undefined ? z.number().meta({ type: 'integer' }) : z.literal(status),
      detail: z.string().optional().meta({ description: 'What went wrong, for people: what is not allowed and what can be done.' }),
      code: z.enum(codes).meta({ description: 'A stable, machine-readable word.' }),
      errors: z.array(fieldProblem).optional().meta({ description: 'For 400: every field at fault.' }),
      field: z.string().optional().meta({ description: 'The field at fault, where one is.' }),
      correlationId: z.string().optional().meta({ description: 'For 500: quote it when reporting the problem.' }),
    })
    .meta({ description: 'application/problem+json (RFC 9457).' });

/** Every problem code of the service table (problem.ts), as the `Problem` component lists them. */
export const ALL_PROBLEM_CODES = Object.keys(STATUS_BY_CODE) as [ProblemCode, ...ProblemCode[]];

const INLINE = '~';
const isPlaceholder = (v: unknown): v is { [INLINE]: string; query?: true } =>
  typeof v === 'object' && v !== null && INLINE in v;

const problemExample = (status: number, code: ProblemCode): Json => ({
  type: `${PROBLEM_TYPE_BASE}${code}`,
  title: titleFor(code),
  status,
  detail: '…',
  code,
});

/** The `Problem` component narrowed to one status and the codes a route answers with it. */
const problemOf = (status: number, codes: [ProblemCode, ...ProblemCode[]]): Json => {
  const { properties } = z.toJSONSchema(z.object({ status: z.literal(status), code: z.enum(codes) }), { io: 'input' });
  return { $ref: '#/components/schemas/Problem', properties };
};

/** Puts each placeholder's schema (or, for a query, its properties as parameters) where the placeholder stands. */
const fillIn = (value: unknown, inlined: Record<string, Json>, descriptions: Map<string, Readonly<Record<string, string>>>): unknown => {
  if (Array.isArray(value)) {
    return value.flatMap((v: unknown) => {
      if (isPlaceholder(v) && v.query) {
        const s = inlined[v[INLINE]]!;
        const required = new Set((s.required as string[] | undefined) ?? []);
        const described = descriptions.get(v[INLINE]) ?? {};
        return Object.entries((s.properties as Record<string, Json> | undefined) ?? {}).map(([name, schema]) => {
          const description = described[name];
          if (description === undefined) throw new Error(`query parameter ${name} has no description: add one where the service's openapi.ts describes its query parameters`);
          return { name, in: 'query', required: required.has(name), description, schema };
        });
      }
      return [fillIn(v, inlined, descriptions)];
    });
  }
  if (isPlaceholder(value)) return inlined[value[INLINE]];
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillIn(v, inlined, descriptions)]));
  }
  return value;
};

const withoutSchemaKeys = (schema: Json): Json => {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
};

/**
 * The document. Every operation with a token may also answer 401 (`missing-token`, `invalid-token`), 429
 * (`rate-limited`) and 503 (`key-set-unavailable`); every one with path parameters 400 `invalid-input` (a parameter
 * that is not valid percent-encoding); every one 500 `internal`.
 */
export const buildOpenApi = (api: ApiDefinition): Json => {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  const names = new Set<string>();
  const register = (schema: z.ZodType, id: string): string => {
    const known = ids.get(schema);
    if (known !== undefined) return known;
    registry.add(schema, { id });
    ids.set(schema, id);
    names.add(id);
    return id;
  };
  for (const [id, schema] of Object.entries({ ...api.components, Problem: problemSchema(ALL_PROBLEM_CODES), FieldProblem: fieldProblem })) {
    if (names.has(id)) throw new Error(`two schemas named ${id}`);
    register(schema, id);
  }
  let inlineCount = 0;
  const ref = (schema: z.ZodType): Json => {
    const id = ids.get(schema) ?? register(schema, `${INLINE}${inlineCount++}`);
    return id.startsWith(INLINE) ? { [INLINE]: id } : { $ref: `#/components/schemas/${id}` };
  };
  const queryDescriptions = new Map<string, Readonly<Record<string, string>>>();
  /** Path and header parameters by name (one meaning per name in a service), and problem answers by their codes. */
  const parameterComponents: Record<string, unknown> = {};
  const parameterSources = new Map<string, ApiParameter>();
  const shared = (name: string, p: ApiParameter, make: () => Json): Json => {
    const known = parameterSources.get(name);
    if (known !== undefined && known !== p) throw new Error(`two different parameters named ${name}`);
    parameterSources.set(name, p);
    parameterComponents[name] ??= make();
    return { $ref: `#/components/parameters/${encodeURIComponent(name)}` };
  };
  const problemResponses: Record<string, Json> = {};

  const paths: Record<string, Record<string, Json>> = {};
  for (const op of api.operations) {
    const parameters: unknown[] = [];
    for (const [name, p] of Object.entries(op.params ?? {})) {
      parameters.push(shared(name, p, () => ({ name, in: 'path', required: true, description: p.description, schema: ref(p.schema), ...(p.example === undefined ? {} : { example: p.example }) })));
    }
    if (op.query) {
      const placeholder = ref(op.query.schema);
      queryDescriptions.set(placeholder[INLINE] as string, op.query.descriptions);
      parameters.push({ ...placeholder, query: true });
    }
    for (const [name, p] of Object.entries(op.headers ?? {})) {
      parameters.push(shared(name, p, () => ({ name, in: 'header', required: p.required ?? false, description: p.description, schema: ref(p.schema), ...(p.example === undefined ? {} : { example: p.example }) })));
    }

    const responses: Record<string, Json> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      const content: Record<string, Json> = {};
      if (r.schema) content['application/json'] = { schema: ref(r.schema), ...(r.example === undefined ? {} : { example: r.example }) };
      for (const [type, schema] of Object.entries(r.alternatives ?? {})) content[type] = { schema: ref(schema) };
      const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([name, h]) => [name, { description: h.description, schema: ref(h.schema) }]));
      responses[status] = { description: r.description, ...(Object.keys(headers).length ? { headers } : {}), content };
    }
    const codes = new Set<ProblemCode>([
      ...op.problems,
      ...(op.auth === 'token' ? TOKEN_PROBLEMS : []),
      ...(op.params ? (['invalid-input'] as const) : []),
      'internal',
    ]);
    const byStatus = new Map<number, ProblemCode[]>();
    for (const code of codes) byStatus.set(STATUS_BY_CODE[code], [...(byStatus.get(STATUS_BY_CODE[code]) ?? []), code]);
    for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
      if (responses[status]) throw new Error(`${op.operationId}: ${status} is both an answer and a problem`);
      const sorted = [...list].sort() as [ProblemCode, ...ProblemCode[]];
      const retry = status === 429 || status === 503;
      const name = `problem.${sorted.join('.')}`;
      responses[status] = { $ref: `#/components/responses/${name}` };
      problemResponses[name] ??= {
        description: `${STATUS_CODES[status] ?? 'Problem'}: ${sorted.join(', ')}`,
        ...(retry ? { headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } } } } : {}),
        content: { 'application/problem+json': { schema: problemOf(status, sorted), example: problemExample(status, sorted[0]) } },
      };
    }

    const roles = op.roles ?? [];
    const who =
      op.auth === 'none'
        ? 'No token needed.'
        : roles.length > 0
          ? `**Roles:** ${roles.map((r) => `\`${r}\``).join(', ')}.`
          : op.auth === 'optional'
            ? 'No token needed; an auditor’s token shows more.'
            : 'Any signed-in role.';
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      description: [op.description, who].filter(Boolean).join('\n\n'),
      tags: op.tags,
      ...(op.auth === 'token' ? {} : { security: op.auth === 'none' ? [] : [{}, { bearerAuth: [] }] }),
      ...(op.auth === 'token' ? { 'x-roles': roles } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body.schema), example: op.body.example } } } } : {}),
      responses,
    };
  }

  const { schemas } = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    io: 'input',
    unrepresentable: 'any',
  });
  const named: Record<string, Json> = {};
  const inlined: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    (id.startsWith(INLINE) ? inlined : named)[id] = withoutSchemaKeys(schema);
  }
  if (JSON.stringify({ named, inlined }).includes(`"$ref":"#/components/schemas/${INLINE}`)) {
    throw new Error('a schema is used both where it is declared inline and inside another: name it in components');
  }

  return {
    openapi: '3.1.0',
    info: api.info,
    tags: api.tags,
    security: [{ bearerAuth: [] }],
    paths: fillIn(paths, inlined, queryDescriptions),
    components: {
      parameters: fillIn(parameterComponents, inlined, queryDescriptions),
      responses: problemResponses,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token with claims sub, name, org and roles (API.md: Identity). Locally: `pnpm ledger token --role ccg --org 08J --sub me`.' },
      },
      schemas: named,
    },
  };
};
