export { createEsdbEventStore, openEsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store.ts';
