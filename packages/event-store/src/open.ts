// Picks the adapter for a LEDGER_STORE value (API.md: Processes and ports). Only composition roots call it.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EventStore } from './port.ts';
import { createSqliteEventStore } from './sqlite/index.ts';
import { openPostgresEventStore } from './postgres/index.ts';
import { openEsdbEventStore } from './esdb/index.ts';
import { redactStoreSpec } from './redact.ts';

/** `sqlite:<path>` (the embedded default); server stores come with their own adapters. */
export const openEventStore = (spec: string): EventStore => {
  if (spec.startsWith('sqlite:')) {
    const path = resolve(spec.slice('sqlite:'.length));
    mkdirSync(dirname(path), { recursive: true });
    return createSqliteEventStore(path);
  }
  // Connects and migrates in the background; every call waits for that (postgres/lazy.ts).
  if (/^postgres(ql)?:\/\//.test(spec)) return openPostgresEventStore(spec);
  // EventStoreDB/KurrentDB; `streamPrefix=…` in the query names the deployment's streams (default `ledger-`).
  if (/^(esdb|kurrent|kurrentdb)(\+discover)?:\/\//i.test(spec)) return openEsdbEventStore(spec);
  if (/^(postgres|postgresql|esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\//.test(spec)) {
    throw new Error(`LEDGER_STORE ${spec.split('://')[0]}:// is not available in this build yet; use sqlite:<path>`);
  }
  throw new Error(`LEDGER_STORE must be sqlite:<path>, postgres://… or esdb://…/kurrentdb://…; got ${JSON.stringify(redactStoreSpec(spec))}`);
};

export const defaultStoreSpec = (dataDir: string): string => `sqlite:${resolve(dataDir, 'events.db')}`;
