// `pnpm openapi:write` writes each service's OpenAPI document to docs/openapi/ (command.json, query.json), as the
// services serve it at GET /openapi.json; `pnpm openapi:check` fails when a written one is not current (CI runs it),
// so the documents in the repository always say what the code does. The code is the source: never edit the files.
import { readFileSync, writeFileSync } from 'node:fs';
import { commandOpenApi } from '../services/command-service/src/openapi.ts';
import { queryOpenApi } from '../services/query-service/src/openapi.ts';

const documents = {
  'docs/openapi/command.json': commandOpenApi,
  'docs/openapi/query.json': queryOpenApi,
};

const root = new URL('../', import.meta.url);
const text = (document: () => unknown): string => `${JSON.stringify(document(), null, 2)}\n`;
const current = (path: string): string | undefined => {
  try {
    return readFileSync(new URL(path, root), 'utf8');
  } catch {
    return undefined;
  }
};

const mode = process.argv[2];
if (mode === 'write') {
  for (const [path, document] of Object.entries(documents)) {
    writeFileSync(new URL(path, root), text(document));
    console.log(`wrote ${path}`);
  }
} else if (mode === 'check') {
  const stale = Object.entries(documents).filter(([path, document]) => current(path) !== text(document));
  for (const [path] of stale) console.error(`${path} is not current: run pnpm openapi:write and commit it`);
  if (stale.length > 0) process.exit(1);
  console.log(`OpenAPI documents current: ${Object.keys(documents).join(', ')}`);
} else {
  console.error('usage: node scripts/openapi.ts write|check');
  process.exit(2);
}
