// The peer measured beside our event store in `pnpm bench` (store scenario): Emmett 0.42's SQLite and PostgreSQL
// event stores, behind the small shape store-bench.ts drives (append with an expected count, read one stream).
// store-bench.ts imports this module by path (--peer), so Emmett stays a dependency of the bench package alone and
// resolves from here, not from the event-store package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import type { PeerStore, StorePeer } from '../../packages/event-store/bench/peer.ts';

const require = createRequire(import.meta.url);
/** A dependency's version, from its package.json beside this file (Emmett's exports hide it from require). */
const version = (pkg: string): string =>
  (
    JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

type EmmettStore = {
  appendToStream: (
    stream: string,
    events: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[],
    options: { expectedStreamVersion: bigint | typeof STREAM_DOES_NOT_EXIST },
  ) => Promise<unknown>;
  readStream: (stream: string) => Promise<{ events: { data: unknown }[] }>;
};
const wrap = (store: EmmettStore, close: () => Promise<void>): PeerStore => ({
  append: async (stream, events, before) => {
    await store.appendToStream(stream, events, {
      expectedStreamVersion: before === 0 ? STREAM_DOES_NOT_EXIST : BigInt(before),
    });
  },
  readStream: async (stream) => (await store.readStream(stream)).events,
  close,
});

export const peer: StorePeer = {
  name: `Emmett ${version('@event-driven-io/emmett')} (sqlite ${version('@event-driven-io/emmett-sqlite')}, postgresql ${version('@event-driven-io/emmett-postgresql')})`,
  sqlite: async (file) => {
    // Emmett's SQLite store runs on the asynchronous `sqlite3` driver, a native addon whose build script the
    // workspace does not run (pnpm-workspace.yaml, ignoredBuiltDependencies): without a built binding the peer is
    // reported as skipped instead of failing the run. `pnpm --filter @csu-ledger/bench rebuild sqlite3` builds it.
    try {
      require('sqlite3');
    } catch (e) {
      return `sqlite3 native binding not built (${(e as Error).message.split('\n')[0]})`;
    }
    const { getSQLiteEventStore } = await import('@event-driven-io/emmett-sqlite');
    return wrap(getSQLiteEventStore({ fileName: file, schema: { autoMigration: 'CreateOrUpdate' } }), () =>
      Promise.resolve(),
    );
  },
  postgres: (url) => {
    const store = getPostgreSQLEventStore(url, { schema: { autoMigration: 'CreateOrUpdate' } });
    return Promise.resolve(wrap(store, () => store.close()));
  },
};
