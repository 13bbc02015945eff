// rxjs is loaded when a store first makes an Observable (a subscription), not at the start of every process that
// opens a store: its CommonJS build is 223 files (~110 ms to load), and the command service never subscribes (issue
// 15: start-up). Synchronous, as subscribeToAll hands back its Observable at once; `require` and `import 'rxjs'` both
// resolve to the same CommonJS build, so this is the same module (the same Observable class) as a static import.
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';

let loaded: typeof Rx | undefined;
export const rx = (): typeof Rx => (loaded ??= createRequire(import.meta.url)('rxjs') as typeof Rx);
