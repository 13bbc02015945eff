// Preloaded into a service by `pnpm bench:startup` (node --import): when its start reached each stage, as absolute
// times (performance.timeOrigin + now) the runner can line up with its own spawn and readiness times. Stages: the
// process's origin, this preload (Node's bootstrap done), the first line of the service's main.ts (all its modules
// loaded and evaluated), listen() called, and 'listening'; with the modules loaded by then. One JSON line per
// process is appended to STARTUP_PROBE_OUT when its server listens.
import { appendFileSync } from 'node:fs';
import { Server } from 'node:http';
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const now = (): number => performance.timeOrigin + performance.now();
const out = process.env.STARTUP_PROBE_OUT;
const stages: Record<string, number> = { origin: performance.timeOrigin, preload: now() };
let modules = 0;
let marked = false;
const mark = (): void => {
  stages.mainBody = now();
};
Object.assign(globalThis, { __startupProbeMain: mark });
registerHooks({
  load(url, context, next) {
    const loaded = next(url, context);
    modules += 1;
    // The service's composition root (not the CLI's main.ts): its first statement marks the end of module loading.
    if (!marked && /\/services\/(command-service|query-service|console)\/src\/main\.ts$/.test(url)) {
      marked = true;
      const text = typeof loaded.source === 'string' ? loaded.source : new TextDecoder().decode(loaded.source);
      return { ...loaded, source: `globalThis.__startupProbeMain();\n${text}` };
    }
    return loaded;
  },
});
// Called below with the server as `this`.
// eslint-disable-next-line @typescript-eslint/unbound-method
const listen = Server.prototype.listen;
Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  stages.listenCalled = now();
  this.once('listening', () => {
    stages.listening = now();
    if (out && isMainThread) appendFileSync(out, `${JSON.stringify({ pid: process.pid, stages, modules })}\n`);
  });
  return listen.apply(this, args as Parameters<typeof listen>);
} as typeof listen;
