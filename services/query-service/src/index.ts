export { createQueryApp, type QueryAppOptions } from './app.ts';
export { startProjector, type Projector, type ProjectorStatus } from './projector.ts';
export { openReadModels, type ReadModels } from './read-models.ts';
export { fingerprint, rebuildReadModels, type RebuildProgress } from './rebuild.ts';
