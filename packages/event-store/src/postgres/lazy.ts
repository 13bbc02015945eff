// openEventStore (open.ts) hands out a store synchronously, but opening PostgreSQL means connecting and migrating.
// This store is usable at once: every call waits for the opening, and fails with its cause if the opening failed.
// Composition roots that can await should prefer `await createPostgresEventStore(…)`, which fails at start-up.
// Both load the adapter and its driver (pg) only when a PostgreSQL store is opened: a service on the embedded SQLite
// store does not pay for them at its start (issue 15).
import type { EventStore } from '../port.ts';
import { rx } from '../rx.ts';
import type { PostgresEventStore, PostgresEventStoreOptions } from './postgres-event-store.ts';

/** Connects, migrates and returns the store (postgres-event-store.ts); fails if the database cannot be opened. */
export const createPostgresEventStore = async (connectionString: string, options?: PostgresEventStoreOptions): Promise<PostgresEventStore> =>
  (await import('./postgres-event-store.ts')).createPostgresEventStore(connectionString, options);

export const openPostgresEventStore = (connectionString: string, options?: PostgresEventStoreOptions): EventStore => {
  const opening = createPostgresEventStore(connectionString, options).catch((error: unknown) => {
    throw new Error(`the PostgreSQL event store could not be opened: ${String(error)}`, { cause: error });
  });
  opening.catch(() => undefined); // reported to every caller instead of as an unhandled rejection
  return {
    appendToStream: async (...args) => (await opening).appendToStream(...args),
    readStream: async (...args) => (await opening).readStream(...args),
    readStreamGroup: async (...args) => (await opening).readStreamGroup(...args),
    readAll: async (...args) => (await opening).readAll(...args),
    headPosition: async () => (await opening).headPosition(),
    subscribeToAll: (...args) => {
      const { from, switchMap } = rx();
      return from(opening).pipe(switchMap((store) => store.subscribeToAll(...args)));
    },
    close: () =>
      opening.then(
        (store) => store.close(),
        () => undefined,
      ),
  };
};
