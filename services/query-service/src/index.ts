export { createQueryApp, type QueryAppOptions } from './app.ts';
export { startProjector, type Projector, type ProjectorStatus, type SkippedEvent } from './projector.ts';
export { openReadModels, type Quarantine, type ReadModels } from './read-models.ts';
export { fingerprint, rebuildReadModels, type RebuildProgress, type RebuildResult } from './rebuild.ts';
export { lockReadModels, ReadModelsLocked, type ReadModelsLock } from './lock.ts';
