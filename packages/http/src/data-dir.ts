// The data folder holds the event store, the read models and their -wal/-shm files, the logs and the signing keys
// (API.md: Processes and ports): readable by its owner only (issue 9), also when it already existed or when no key
// file is created in it (LEDGER_JWT_SECRET set).
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Files and folders this process creates from now on are its owner's alone: 0600 and 0700. */
export const restrictNewFiles = (): void => {
  process.umask(0o077);
};

/** The folders inside the data folder that the ledger writes files into (launch.ts: one log per service). */
const SUBFOLDERS = ['logs'];

/** Takes group and other permissions away; a symbolic link is left alone, as it may point anywhere. */
const tighten = (path: string): void => {
  const info = lstatSync(path);
  if (!info.isSymbolicLink() && (info.mode & 0o077) !== 0) chmodSync(path, info.mode & 0o700);
};

/**
 * For a process's start (each service's main.ts, the CLI): restricts new files, creates the folder 0700 or tightens
 * an existing one, and tightens what the ledger keeps in it. Only the folder's own entries and its log folder, not a
 * whole tree: a data folder set by mistake to a home or a repository is made private, not walked.
 */
export const secureDataDir = (dir: string): void => {
  restrictNewFiles();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    tighten(path);
    if (entry.isDirectory() && SUBFOLDERS.includes(entry.name))
      for (const inner of readdirSync(path)) tighten(join(path, inner));
  }
};
