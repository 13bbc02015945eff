// A worker thread of the fold pool (worker-pool.ts): opens the event store itself (its own connections) and runs
// past.ts jobs one at a time, keeping asAt snapshots across them. Nothing here touches the query service's read models.
import { parentPort, workerData } from 'node:worker_threads';
import { openEventStore } from '@csu-ledger/event-store';
import { runJob, type Job } from './past.ts';
import { createSnapshotCache } from './snapshots.ts';

interface WorkerData {
  storeSpec: string;
  snapshots?: { every?: number; budget?: number };
}

const port = parentPort;
if (!port) throw new Error('fold-worker.ts runs only as a worker thread');
const data = workerData as WorkerData;
const store = openEventStore(data.storeSpec);
const snapshots = createSnapshotCache(data.snapshots);

port.on('message', (message: { id: number; job: Job }) => {
  void runJob(store, message.job, { snapshots }).then((result) => port.postMessage({ id: message.id, result }));
});
port.postMessage({ ready: true });
