export {
  createPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreDiagnostics,
  type PostgresEventStoreOptions,
} from './postgres-event-store.ts';
export { openPostgresEventStore } from './lazy.ts';
