import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileCacheDir } from './compile-cache.ts';

describe('the compile cache folder', () => {
  let dir: string;
  const saved = { cache: process.env.NODE_COMPILE_CACHE, disable: process.env.NODE_DISABLE_COMPILE_CACHE };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compile-cache-test-'));
    delete process.env.NODE_COMPILE_CACHE;
    delete process.env.NODE_DISABLE_COMPILE_CACHE;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [name, value] of [['NODE_COMPILE_CACHE', saved.cache], ['NODE_DISABLE_COMPILE_CACHE', saved.disable]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is created for its owner alone', () => {
    const cache = join(dir, 'cache');
    expect(compileCacheDir(cache)).toBe(cache);
    expect(lstatSync(cache).mode & 0o077).toBe(0);
  });

  it('is not used when others may write to it', () => {
    const cache = join(dir, 'shared');
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    expect(compileCacheDir(cache)).toBeUndefined();
  });

  it('is none when it cannot be created, and Node still runs with a cache folder it cannot write', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(compileCacheDir(join(file, 'cache'))).toBeUndefined();
    const out = execFileSync(process.execPath, ['-e', 'console.log("ran")'], {
      env: { ...process.env, NODE_COMPILE_CACHE: join(file, 'cache') },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('ran');
  });

  it('follows NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE', () => {
    process.env.NODE_COMPILE_CACHE = join(dir, 'operator');
    expect(compileCacheDir(join(dir, 'ours'))).toBe(join(dir, 'operator'));
    process.env.NODE_DISABLE_COMPILE_CACHE = '1';
    expect(compileCacheDir(join(dir, 'ours'))).toBeUndefined();
  });
});
