// A worker thread of the fold pool (worker-pool.ts): opens the event store itself (its own connections) and runs
// past.ts jobs one at a time, keeping asAt snapshots across them. It reads the query service's read models (the
// history, and large contracts' views, now) through a read-only connection of its own, and never writes them.
import { parentPort, workerData } from 'node:worker_threads';
import { openEventStore } from '@csu-ledger/event-store';
import { openCurrentReader } from './current-reader.ts';
import { runJob, type Job } from './past.ts';
import { createSnapshotCache } from './snapshots.ts';

interface WorkerData {
  storeSpec: string;
  readModels: string;
  snapshots?: { every?: number; budget?: number };
}

const port = parentPort;
if (!port) throw new Error('fold-worker.ts runs only as a worker thread');
const data = workerData as WorkerData;
const store = openEventStore(data.storeSpec);
const snapshots = createSnapshotCache(data.snapshots);
// Read-only: the query service's projector is the one writer of its read models (WAL lets both read at once).
const current = openCurrentReader(data.readModels);

port.on('message', (message: { id: number; job: Job }) => {
  void runJob(store, message.job, { snapshots, current }).then((result) =>
    port.postMessage({ id: message.id, result }),
  );
});
port.postMessage({ ready: true });
