export * from './port.ts';
export * from './sqlite/index.ts';
export * from './postgres/index.ts';
export * from './esdb/index.ts';
// The conformance suite imports vitest, so it is not exported here: adapters' tests import `./conformance.ts`.
export * from './open.ts';
export * from './redact.ts';
export * from './caching.ts';
