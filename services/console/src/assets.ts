// The design system's styles, scripts and images, served from the nhsuk-frontend package itself (no CDN). Its
// stylesheet names the NHS font on assets.nhs.uk; those @font-face rules are left out, so a browser never leaves
// this server and uses the design system's fallback (Arial).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

const require = createRequire(import.meta.url);
/** nhsuk-frontend's dist folder: the Nunjucks search path for "nhsuk/components/…". */
export const NHSUK_DIST = dirname(dirname(require.resolve('nhsuk-frontend/dist/nhsuk/template.njk')));
const NHSUK = join(NHSUK_DIST, 'nhsuk');
export const VIEWS = resolve(fileURLToPath(import.meta.url), '../../views');
const OWN = resolve(fileURLToPath(import.meta.url), '../../public');

const versioned = (ext: string): string => {
  const file = readdirSync(NHSUK).find((f) => /^nhsuk-frontend-\d+\.\d+\.\d+\.min\./.test(f) && f.endsWith(ext));
  if (!file) throw new Error(`nhsuk-frontend has no versioned ${ext} file in ${NHSUK}`);
  return join(NHSUK, file);
};

export const withoutRemoteFonts = (css: string): string => css.replace(/@font-face\{[^}]*https?:\/\/[^}]*\}/g, '');

export const assetRoutes = (): Router => {
  const r = express.Router();
  const css = withoutRemoteFonts(readFileSync(versioned('.css'), 'utf8'));
  const js = readFileSync(versioned('.js'), 'utf8');
  const cache = { 'cache-control': 'public, max-age=3600' };
  r.get('/assets/nhsuk-frontend.min.css', (_req, res) => void res.set(cache).type('text/css').send(css));
  r.get('/assets/nhsuk-frontend.min.js', (_req, res) => void res.set(cache).type('text/javascript').send(js));
  r.use('/assets', express.static(join(NHSUK, 'assets'), { maxAge: '1h', fallthrough: true }));
  r.use('/assets', express.static(OWN, { maxAge: '1h' }));
  return r;
};
