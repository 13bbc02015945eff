// A worker thread of the fold pool (past-runner.ts): opens the event store itself (its own connections) and runs
// past.ts jobs one at a time, keeping asAt snapshots across them. It reads the query service's read models (the
// history, and large contracts' views, now) through a read-only connection of its own, and never writes them.
import { platform, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openEventStore } from '@csu-ledger/event-store';
import { openCurrentReader } from './current-reader.ts';
import { runJob, type Job } from './past.ts';
import { createDecodedLog } from './decoded-log.ts';
import { createSnapshotCache } from './snapshots.ts';

/** Lower than the event loop's thread (0): a nice value of 10 gets about a tenth of its CPU share when both want it. */
const FOLD_NICENESS = 10;

interface WorkerData {
  storeSpec: string;
  readModels: string;
  snapshots?: { every?: number; budget?: number };
}

// Folds are the work that may wait: on Linux a thread has its own nice value, and setPriority(pid 0) sets the
// calling thread's only, so this worker yields the CPU to the event loop's thread (and to everything else) when
// they contend. Elsewhere pid 0 means the whole process: leave it be.
if (platform() === 'linux') {
  try {
    setPriority(FOLD_NICENESS);
  } catch {
    // not permitted here: folds keep the process's priority
  }
}

const port = parentPort;
if (!port) throw new Error('fold-worker.ts runs only as a worker thread');
const data = workerData as WorkerData;
const store = openEventStore(data.storeSpec);
const snapshots = createSnapshotCache(data.snapshots);
const decoded = createDecodedLog();
// Read-only: the query service's projector is the one writer of its read models (WAL lets both read at once).
const current = openCurrentReader(data.readModels);

port.on('message', (message: { id: number; job: Job }) => {
  void runJob(store, message.job, { snapshots, current, decoded }).then((result) =>
    port.postMessage({ id: message.id, result }),
  );
});
port.postMessage({ ready: true });
