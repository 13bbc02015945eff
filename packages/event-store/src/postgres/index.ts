export type { PostgresEventStore, PostgresEventStoreDiagnostics, PostgresEventStoreOptions } from './postgres-event-store.ts';
export { createPostgresEventStore, openPostgresEventStore } from './lazy.ts';
