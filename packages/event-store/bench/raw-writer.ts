// A raw writer thread for the benchmark: its own connection, one autocommit INSERT (one fsync) per event.
// Says "ready" once connected, writes on the first message, then says "done".
import { parentPort, workerData } from 'node:worker_threads';
import { openRaw, rawInsert } from './raw.ts';

const { file, stream, count } = workerData as { file: string; stream: string; count: number };
const db = openRaw(file);
const insert = rawInsert(db);
parentPort?.once('message', () => {
  for (let i = 0; i < count; i += 1) insert(stream, i, i);
  db.close();
  parentPort?.postMessage('done');
});
parentPort?.postMessage('ready');
