// TEST DOUBLE: the worker thread the fake KurrentDB server runs in (index.ts starts it), so that the server's work
// does not share a thread with the client and adapter under test. It takes the test's script as messages.
import { parentPort, workerData } from 'node:worker_threads';
import { createHolds, type FakeSettings, type HoldStage } from './script.ts';
import { startFakeServer } from './server.ts';

export type Request =
  | { kind: 'settings'; patch: Partial<FakeSettings> }
  | { kind: 'hold'; streamPrefix: string; stage: HoldStage }
  | { kind: 'release'; streamPrefix: string }
  | { kind: 'stats' }
  | { kind: 'records'; streamPrefix: string }
  | { kind: 'stop' };

export type Message =
  | { kind: 'ready'; ports: { leader: number; follower: number } }
  | { kind: 'held'; streamPrefix: string }
  | { kind: 'reply'; id: number; value: unknown };

const port = parentPort;
if (!port) throw new Error('fake-server/worker.ts runs as a worker thread (index.ts)');
const post = (message: Message): void => port.postMessage(message);

const settings = { ...(workerData as FakeSettings) };
const holds = createHolds((streamPrefix) => post({ kind: 'held', streamPrefix }));
const server = await startFakeServer(settings, holds);

port.on('message', (message: { id: number; request: Request }) => {
  const { id, request } = message;
  const reply = (value: unknown = null): void => post({ kind: 'reply', id, value });
  switch (request.kind) {
    case 'settings':
      Object.assign(settings, request.patch);
      return reply();
    case 'hold':
      holds.add(request.streamPrefix, request.stage);
      return reply();
    case 'release':
      holds.release(request.streamPrefix);
      return reply();
    case 'stats':
      return reply({ ...server.stats });
    case 'records':
      return reply(
        server.log.records
          .filter((r) => r.stream.startsWith(request.streamPrefix))
          .map((r) => ({
            stream: r.stream,
            id: r.id,
            type: r.type,
            position: r.position,
            committed: r.committedAt !== undefined,
          })),
      );
    case 'stop':
      void server.stop().then(() => {
        reply();
        port.close();
      });
      return;
  }
});
post({ kind: 'ready', ports: server.ports });
