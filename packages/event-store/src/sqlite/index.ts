export {
  createSqliteEventStore,
  type SqliteEventStore,
  type SqliteEventStoreDiagnostics,
  type SqliteEventStoreOptions,
} from './sqlite-event-store.ts';
