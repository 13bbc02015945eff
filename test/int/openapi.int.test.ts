// The OpenAPI documents are true (issue 10): every route the real apps mount is documented with its method and path,
// nothing documented is missing from the apps, every example is one the schemas accept, and the document and the
// interactive reference answer without a token, with nothing loaded from elsewhere. (That every answer of the int and
// e2e suites matches its documented schema is checked in the test clients themselves: test/support/openapi.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandOperations } from '../../services/command-service/src/openapi.ts';
import { queryOperations } from '../../services/query-service/src/openapi.ts';
import { conform, documents, type Service } from '../support/openapi.ts';
import { startInProcess, type InProcess } from '../support/in-process.ts';

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `/contracts/:id` and `/contracts/{contractId}` alike: `/contracts/{}`. */
const shape = (path: string): string => path.replace(/:[A-Za-z_$][\w$]*/g, '{}').replace(/\{[^}]*\}/g, '{}');

/** `METHOD /path` of every route in the app, its mounted routers' included. */
const mounted = (app: unknown): string[] => {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== 'string') throw new Error(`a route mounted on ${String(p)}: only string paths can be documented`);
          for (const [method, on] of Object.entries(layer.route.methods)) if (on) found.add(`${method.toUpperCase()} ${shape(prefix + p)}`);
        }
      } else if (layer.handle?.stack) {
        const at = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + at);
      }
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack, '');
  return [...found].sort();
};

const documented = (service: Service): string[] => {
  const { paths } = documents[service]() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${shape(path)}`))
    .sort();
};

describe('the OpenAPI documents', () => {
  let h: InProcess;
  beforeAll(async () => {
    h = await startInProcess();
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(['command', 'query'] as const)('%s service: documents exactly the routes its app mounts', (service) => {
    const app = mounted(h.apps[service]);
    const doc = documented(service);
    // Named both ways, so a failure says which route to document (in the service's openapi.ts) or to remove.
    const hint = `document each undocumented route in services/${service}-service/src/openapi.ts (see its header), then pnpm openapi:write`;
    expect({ undocumented: app.filter((r) => !doc.includes(r)), notMounted: doc.filter((r) => !app.includes(r)) }, hint).toEqual({
      undocumented: [],
      notMounted: [],
    });
    expect(app.length).toBeGreaterThan(15);
  });

  it.each(['command', 'query'] as const)('%s service: /openapi.json, /docs and its script answer without a token, from the service itself', async (service) => {
    const base = service === 'command' ? h.commandUrl : h.queryUrl;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`);
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      const answer = { status: res.status, contentType, body: /json/.test(contentType) ? (JSON.parse(text) as unknown) : text, text };
      conform(service, 'GET', path, answer);
      return answer;
    };

    const doc = await get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual(documents[service]());
    expect(doc.body).toMatchObject({ openapi: '3.1.0' });

    const page = await get('/docs');
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.text).toContain('<script src="/docs/scalar.js"');
    expect(page.text).toContain('/openapi.json');
    // Nothing from a CDN: every script and stylesheet the page names is the service's own.
    expect(page.text).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);

    const script = await get('/docs/scalar.js');
    expect(script.status).toBe(200);
    expect(script.contentType).toMatch(/^text\/javascript/);
    expect(script.text.length).toBeGreaterThan(1_000_000);
  });

  it.each(['command', 'query'] as const)('%s service: OPTIONS, which no route documents, is a 404 problem on every path, not a router’s plain-text answer', async (service) => {
    const base = service === 'command' ? h.commandUrl : h.queryUrl;
    const token = await h.token('admin', 'NHS');
    const { paths } = documents[service]() as { paths: Record<string, unknown> };
    for (const template of Object.keys(paths)) {
      const path = template.replace(/\{[^}]+\}/g, 'KIN-0AX-2025');
      const res = await fetch(`${base}${path}`, { method: 'OPTIONS', headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      expect({ path, status: res.status, contentType: res.headers.get('content-type') }).toEqual({ path, status: 404, contentType: expect.stringMatching(/^application\/problem\+json/) as unknown });
      conform(service, 'OPTIONS', path, { status: res.status, contentType: res.headers.get('content-type') ?? '', body: JSON.parse(text) as unknown });
    }
  });

  it('every request example is a body its command accepts', () => {
    for (const op of commandOperations()) {
      if (!op.body) continue;
      const parsed = op.body.schema.safeParse(op.body.example);
      expect(parsed.error?.issues ?? [], `${op.operationId}'s example`).toEqual([]);
    }
  });

  it.each(['command', 'query'] as const)('%s service: every answer example matches its documented schema', (service) => {
    const { paths } = documents[service]() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { example?: unknown }> }> }>> };
    let examples = 0;
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          for (const [contentType, media] of Object.entries(response.content ?? {})) {
            if (media.example === undefined) continue;
            conform(service, method, path, { status: Number(status), contentType, body: media.example });
            examples++;
          }
        }
      }
    }
    expect(examples).toBeGreaterThan(3);
  });

  it('every operation that takes a token names its roles and shows an example request and answer', () => {
    for (const op of [...commandOperations(), ...queryOperations()]) {
      expect(op.summary.length, op.operationId).toBeGreaterThan(0);
      if (op.auth !== 'token') continue;
      expect(op.roles?.length ?? 0, `${op.operationId}'s roles`).toBeGreaterThan(0);
      if (op.method === 'post') expect(op.body?.example, `${op.operationId}'s example body`).toBeDefined();
      const success = Object.entries(op.responses).filter(([status]) => Number(status) < 300);
      expect(success.length, `${op.operationId}'s answers`).toBeGreaterThan(0);
      for (const [status, r] of success) expect(r.example, `${op.operationId}'s example ${status} answer`).toBeDefined();
    }
  });
});
