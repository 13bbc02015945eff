// GET /openapi.json and GET /docs (API.md: Discovery and operations; no token). The interactive reference is Scalar's
// (@scalar/express-api-reference), whose browser bundle we serve ourselves (vendor/scalar-api-reference): nothing is
// loaded from a CDN, and its web fonts and telemetry are off, so /docs works where only this service can be reached.
import { fileURLToPath } from 'node:url';
import { apiReference } from '@scalar/express-api-reference';
import { Router } from 'express';

/** The @scalar/api-reference release whose standalone bundle is vendored (see its README). */
export const SCALAR_VERSION = '1.71.0';
const BUNDLE = fileURLToPath(new URL('../../vendor/scalar-api-reference/standalone.js', import.meta.url));
export const DOCS_SCRIPT_PATH = '/docs/scalar.js';

export interface ApiDocs {
  /** The OpenAPI document; built on the first request and kept. */
  document: () => unknown;
  title: string;
}

/**
 * The bundle's "Ask AI" agent, which sends the document to Scalar and is on by default on localhost: off. (The
 * option is newer than the configuration types of @scalar/express-api-reference, hence outside the literal.)
 */
const offline = { agent: { disabled: true } };

export const apiDocsRoutes = ({ document, title }: ApiDocs): Router => {
  const r = Router();
  let json: string | undefined;
  r.get('/openapi.json', (_req, res) => {
    json ??= JSON.stringify(document());
    res.type('application/json').send(json);
  });
  r.get(
    '/docs',
    apiReference({
      url: '/openapi.json',
      pageTitle: title,
      cdn: DOCS_SCRIPT_PATH,
      withDefaultFonts: false,
      telemetry: false,
      hideClientButton: false,
      authentication: { preferredSecurityScheme: 'bearerAuth' },
      // Nothing that talks to Scalar's own services: no developer toolbar (share, deploy), no MCP generator.
      showDeveloperTools: 'never',
      mcp: { disabled: true },
      ...offline,
    }),
  );
  r.get(DOCS_SCRIPT_PATH, (_req, res, next) => {
    res.sendFile(BUNDLE, { maxAge: '1d', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } }, (err) => {
      if (err) next(err);
    });
  });
  return r;
};
