// Issue 15 (start-up): the services and the CLI run their TypeScript sources directly, so every start would strip the
// types of and compile our modules and the 1,000–1,700 modules of their dependencies again. Node's compile cache keeps
// the type-stripped and compiled code between runs, keyed by each file's contents (an edited file is compiled anew).
// Only node: modules here: this runs before anything else is loaded.
import { lstatSync, mkdirSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Outside any checkout (git never sees it); Node keeps a folder per Node version inside. */
export const COMPILE_CACHE_DIR = join(tmpdir(), 'csu-ledger-compile-cache');

/**
 * The folder to cache compiled code in, or undefined for none: NODE_DISABLE_COMPILE_CACHE turns it off, an operator's
 * NODE_COMPILE_CACHE wins, and a folder another user could write to is not used (it could hand us code to run).
 * Creating it may fail (a read-only temporary folder): then there is no cache, only a slower start.
 */
export const compileCacheDir = (dir: string = COMPILE_CACHE_DIR): string | undefined => {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  if (process.env.NODE_COMPILE_CACHE) return process.env.NODE_COMPILE_CACHE;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = lstatSync(dir);
    const uid = process.getuid?.(); // undefined where files have no owner in this sense (Windows)
    const oursAlone = info.isDirectory() && (uid === undefined || (info.uid === uid && (info.mode & 0o022) === 0));
    return oursAlone ? dir : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Turns the cache on for this process (modules loaded from now on: call it before importing the rest with
 * `await import(…)`) and, through NODE_COMPILE_CACHE, for the processes it starts, which read it as they boot. Node
 * itself ignores a cache it cannot write.
 */
export const cacheCompiledCode = (): void => {
  const dir = compileCacheDir();
  if (dir === undefined || process.env.NODE_COMPILE_CACHE) return; // none, or Node enabled it as it booted
  if (enableCompileCache(dir).directory !== undefined) process.env.NODE_COMPILE_CACHE = dir;
};
