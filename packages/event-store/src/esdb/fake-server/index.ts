// TEST DOUBLE: starts the fake KurrentDB server (server.ts) in a worker thread and scripts it from the test. Not a
// real server: see server.ts for what it plays and log.ts for the rules it keeps.
import { Worker } from 'node:worker_threads';
import { defaultSettings, type FakeSettings, type FakeStats, type HoldStage } from './script.ts';
import type { Message, Request } from './worker.ts';

export type { FakeSettings, FakeStats, HoldStage } from './script.ts';

export interface FakeRecord {
  stream: string;
  id: string;
  type: string;
  position: bigint;
  committed: boolean;
}

export interface FakeKurrentDB {
  /** A single-node connection string to the leader. */
  readonly url: string;
  /** A cluster connection string (gossip seeds: the leader and a follower) with the given node preference. */
  clusterUrl(nodePreference: 'leader' | 'follower'): string;
  settings(patch: Partial<FakeSettings>): Promise<void>;
  /** From now on, stop writes touching a stream that starts with `streamPrefix` at `stage` (script.ts: HoldStage). */
  hold(streamPrefix: string, stage: HoldStage): Promise<void>;
  /** Resolves once a write is stopped by the hold on `streamPrefix`. */
  held(streamPrefix: string): Promise<void>;
  /** Lets the writes stopped by the hold on `streamPrefix` go on, and ends the hold. */
  release(streamPrefix: string): Promise<void>;
  stats(): Promise<FakeStats>;
  /** Every record on the server in streams starting with `streamPrefix`, in log order, committed or not. */
  records(streamPrefix: string): Promise<FakeRecord[]>;
  stop(): Promise<void>;
}

export const startFakeKurrentDB = async (settings: Partial<FakeSettings> = {}): Promise<FakeKurrentDB> => {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), {
    workerData: { ...defaultSettings, ...settings },
  });
  const replies = new Map<number, (value: unknown) => void>();
  const heldWaiters = new Map<string, (() => void)[]>();
  const heldSeen = new Set<string>();
  let nextId = 0;
  const ready = new Promise<{ leader: number; follower: number }>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: Message) => {
      if (message.kind === 'ready') resolve(message.ports);
      else if (message.kind === 'reply') replies.get(message.id)?.(message.value);
      else {
        heldSeen.add(message.streamPrefix);
        for (const resolveHeld of heldWaiters.get(message.streamPrefix) ?? []) resolveHeld();
        heldWaiters.delete(message.streamPrefix);
      }
    });
  });
  const ports = await ready;
  const ask = <T>(request: Request): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = (nextId += 1);
      replies.set(id, (value) => {
        replies.delete(id);
        resolve(value as T);
      });
      worker.postMessage({ id, request });
    });
  const hosts = `127.0.0.1:${ports.leader},127.0.0.1:${ports.follower}`;
  return {
    url: `kurrentdb://127.0.0.1:${ports.leader}?tls=false`,
    clusterUrl: (preference) => `kurrentdb://${hosts}?tls=false&nodePreference=${preference}&discoveryInterval=20`,
    settings: (patch) => ask({ kind: 'settings', patch }),
    hold: (streamPrefix, stage) => {
      heldSeen.delete(streamPrefix);
      return ask({ kind: 'hold', streamPrefix, stage });
    },
    held: (streamPrefix) =>
      heldSeen.has(streamPrefix)
        ? Promise.resolve()
        : new Promise<void>((resolve) =>
            heldWaiters.set(streamPrefix, [...(heldWaiters.get(streamPrefix) ?? []), resolve]),
          ),
    release: (streamPrefix) => ask({ kind: 'release', streamPrefix }),
    stats: () => ask({ kind: 'stats' }),
    records: (streamPrefix) => ask({ kind: 'records', streamPrefix }),
    stop: async () => {
      await ask({ kind: 'stop' });
      await worker.terminate();
    },
  };
};
