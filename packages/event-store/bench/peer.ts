// A peer event store (another library) measured beside ours on the same workloads, as a ratio to the raw driver.
// The peer's module (e.g. scripts/bench/emmett-peer.ts) is handed to store-bench.ts by path, so the peer's packages
// stay the bench's dependencies and never the event store's.
import { newEvent } from './raw.ts';

export interface PeerEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
export interface PeerStore {
  /** Appends `events` to `stream`, which holds `before` events already (0: the stream must not exist). */
  append(stream: string, events: PeerEvent[], before: number): Promise<void>;
  /** The stream's events in order, as a fold needs them. */
  readStream(stream: string): Promise<{ data: unknown }[]>;
  close(): Promise<void>;
}
export interface StorePeer {
  name: string;
  /** A store on a (new) SQLite file, or the reason the peer cannot run on this machine. */
  sqlite(file: string): Promise<PeerStore | string>;
  /** A store on a PostgreSQL database, or the reason it cannot run. */
  postgres(url: string): Promise<PeerStore | string>;
}

/** A peer's figure: a rate or a time, or why there is none (not available here, or the workload failed). */
export type PeerSide = () => Promise<number | string>;

const seconds = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1_000;
};
const peerEvent = (i: number): PeerEvent => {
  const { type, data, metadata } = newEvent(i);
  return { type, data, metadata };
};
let runs = 0;
/** The longest one peer workload may take (the slowest seen: Emmett's PostgreSQL store, ~25 s for 1,000 appends). */
const PEER_TIMEOUT_S = 180;

// A peer's driver can also fail outside any promise: Emmett's SQLite store runs on `sqlite3`, which emits an
// unhandled 'error' event on a statement under 8 writers, and that would end this process. Such an error fails the
// running workload; one arriving later (from writers of a workload already failed) is noted and dropped. Anything
// else stays fatal, as it would be without this handler.
let onPeerCrash: ((e: Error) => void) | undefined;
let handlerInstalled = false;
const isSqlite3Error = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
};
const installCrashHandler = (): void => {
  if (handlerInstalled) return;
  handlerInstalled = true;
  process.on('uncaughtException', (e) => {
    if (onPeerCrash) onPeerCrash(e);
    else if (isSqlite3Error(e)) console.log(`  (peer: a late driver error after its workload failed: ${e.message})`);
    else {
      console.error(e);
      process.exit(1);
    }
  });
};

/**
 * The store workloads on a peer, each on a fresh store from `open` and on streams no earlier run used (a peer on
 * PostgreSQL keeps one set of tables per database). A workload that throws (a peer's SQLITE_BUSY under 8 writers,
 * say) is reported with its error instead of stopping the benchmark.
 */
export const peerWorkloads = (open: () => Promise<PeerStore | string>) => {
  installCrashHandler();
  const guarded =
    (work: (store: PeerStore, prefix: string) => Promise<number>): PeerSide =>
    async () => {
      const store = await open();
      if (typeof store === 'string') return `not run: ${store}`;
      let crash: ((e: Error) => void) | undefined;
      const crashed = new Promise<never>((_, reject) => (crash = reject));
      onPeerCrash = crash;
      // A peer that stops making progress (busy waits that never end) must not stall the whole benchmark.
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result after ${PEER_TIMEOUT_S} s`)), PEER_TIMEOUT_S * 1000);
      });
      try {
        return await Promise.race([work(store, `p${(runs += 1)}-`), crashed, stalled]);
      } catch (e) {
        return `failed: ${(e as Error).message.split('\n')[0]?.slice(0, 120) ?? 'error'}`;
      } finally {
        clearTimeout(timer);
        onPeerCrash = undefined;
        await store.close();
      }
    };
  return {
    writers: (writers: number, perWriter: number): PeerSide =>
      guarded(async (store, prefix) => {
        const t = await seconds(async () => {
          // Every writer to the end, even after one failed: none may still write into the next workload.
          const ends = await Promise.allSettled(
            Array.from({ length: writers }, async (_, w) => {
              for (let i = 0; i < perWriter; i += 1) await store.append(`${prefix}w-${w}`, [peerEvent(i)], i);
            }),
          );
          const failed = ends.find((e) => e.status === 'rejected');
          if (failed) throw failed.reason;
        });
        return (writers * perWriter) / t;
      }),
    batches: (batches: number): PeerSide =>
      guarded(async (store, prefix) => {
        const t = await seconds(async () => {
          for (let b = 0; b < batches; b += 1) {
            const events = Array.from({ length: 100 }, (_, i) => peerEvent(b * 100 + i));
            await store.append(`${prefix}b`, events, b * 100);
          }
        });
        return (batches * 100) / t;
      }),
    /** Milliseconds to load and fold a stream of `length` events, written first in 100-event appends. */
    fold: (length: number, rounds: number): PeerSide =>
      guarded(async (store, prefix) => {
        for (let b = 0; b < length / 100; b += 1) {
          const events = Array.from({ length: 100 }, (_, i) => peerEvent(b * 100 + i));
          await store.append(`${prefix}long`, events, b * 100);
        }
        const times: number[] = [];
        let checksum = 0;
        for (let r = 0; r < rounds; r += 1) {
          times.push(
            await seconds(async () => {
              for (const e of await store.readStream(`${prefix}long`))
                checksum += (e.data as { amountPence: number }).amountPence;
            }),
          );
        }
        if (checksum === 0) throw new Error('the peer read back no events');
        return (times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN) * 1_000;
      }),
  };
};
