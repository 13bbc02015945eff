// TEST DOUBLE: a fake KurrentDB server, NOT a real one. It speaks the gRPC services the client package ships
// (@kurrent/kurrentdb-client's generated definitions: v1 Streams.Read, v2 StreamsService.AppendRecords, Gossip,
// ServerFeatures) over @grpc/grpc-js, as two nodes (a leader and a follower), so that the real client and client.ts
// run against it; and it can be scripted (script.ts) for what a real cluster does rarely: a write held between
// written and committed, the silent drop of an identical write meanwhile, an append size limit, a follower that lags,
// a leader clock that goes back. Its log: log.ts. It runs in a worker thread (index.ts, worker.ts).
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import gossipGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_grpc_pb.js';
import gossipPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_pb.js';
import featuresGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js';
import featuresPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import sharedPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import streamsGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import streamsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
import v2Grpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_grpc_pb.js';
import type v2Pb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_pb.js';
import { appendRecords } from './append-records.ts';
import { createFakeLog, type FakeLog, type StoredRecord } from './log.ts';
import type { FakeSettings, FakeStats, Holds } from './script.ts';

const { ReadReq, ReadResp } = streamsPb;
type ReadOptions = InstanceType<typeof ReadReq.Options>;

export interface FakeServer {
  /** The leader's port, then the follower's. */
  readonly ports: { leader: number; follower: number };
  readonly log: FakeLog;
  readonly stats: FakeStats;
  stop(): Promise<void>;
}

const TICKS_PER_MS = 10_000n;
const emptyMessage = () => new sharedPb.Empty();
const streamNameOf = (id: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string =>
  Buffer.from(id?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');

const matchesFilter = (options: ReadOptions, stream: string): boolean => {
  const filter = options.getFilter()?.getStreamIdentifier();
  if (!filter) return true;
  const regex = filter.getRegex();
  if (regex) return new RegExp(regex).test(stream);
  return filter.getPrefixList().some((p) => stream.startsWith(p));
};

const toReadEvent = (r: StoredRecord, withCommit: boolean): InstanceType<typeof ReadResp> => {
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(r.id);
  recorded.setId(id);
  const name = new sharedPb.StreamIdentifier();
  name.setStreamName(Buffer.from(r.stream, 'utf8'));
  recorded.setStreamIdentifier(name);
  recorded.setStreamRevision(r.revision.toString());
  recorded.setPreparePosition(r.position.toString());
  recorded.setCommitPosition(r.position.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', r.type);
  metadata.set('content-type', r.isJson ? 'application/json' : 'application/octet-stream');
  metadata.set('created', (BigInt(r.created.getTime()) * TICKS_PER_MS).toString());
  recorded.setCustomMetadata(r.metadata);
  recorded.setData(r.data);
  const event = new ReadResp.ReadEvent();
  event.setEvent(recorded);
  if (withCommit) event.setCommitPosition(r.position.toString());
  else event.setNoPosition(emptyMessage());
  const resp = new ReadResp();
  resp.setEvent(event);
  return resp;
};

interface Node {
  role: 'leader' | 'follower';
  port: number;
  server: grpc.Server;
}

export const startFakeServer = async (settings: FakeSettings, holds: Holds): Promise<FakeServer> => {
  const log = createFakeLog(() => new Date(Date.now() + settings.clockOffsetMs));
  const nodes: Node[] = [];
  const live = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  const stats: FakeStats = { dropped: 0, followerRefusals: 0, allReads: 0, allReadsFromStart: 0 };

  const leaderPort = (): number => nodes.find((n) => n.role === 'leader')?.port ?? 0;
  const notLeader = (): grpc.ServiceError => {
    const metadata = new grpc.Metadata();
    metadata.set('exception', 'not-leader');
    metadata.set('leader-endpoint-host', '127.0.0.1');
    metadata.set('leader-endpoint-port', String(leaderPort()));
    return Object.assign(new Error('Leader info available'), {
      code: grpc.status.NOT_FOUND,
      details: 'Leader info available',
      metadata,
    });
  };
  const wantsLeader = (call: { metadata: grpc.Metadata }): boolean =>
    call.metadata.get('requires-leader')[0] === 'true';

  const read =
    (node: Node) => (call: grpc.ServerWritableStream<InstanceType<typeof ReadReq>, InstanceType<typeof ReadResp>>) => {
      const lag = node.role === 'leader' ? 0 : settings.followerLagMs;
      if (node.role === 'follower' && wantsLeader(call)) {
        stats.followerRefusals += 1;
        call.emit('error', notLeader());
        return;
      }
      const options = call.request.getOptions();
      if (!options) return call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'no options' });
      const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
      const count =
        options.getCountOptionCase() === ReadReq.Options.CountOptionCase.COUNT ? BigInt(options.getCount()) : -1n;
      const take = (list: StoredRecord[]): StoredRecord[] =>
        count < 0n ? list : list.slice(0, Number(count > 1_000_000_000n ? 1_000_000_000n : count));

      if (options.getStreamOptionCase() === ReadReq.Options.StreamOptionCase.STREAM) {
        const stream = options.getStream();
        const name = streamNameOf(stream?.getStreamIdentifier());
        const records = log.streamRecords(name, lag);
        if (records.length === 0) {
          const resp = new ReadResp();
          const notFound = new ReadResp.StreamNotFound();
          notFound.setStreamIdentifier(stream?.getStreamIdentifier());
          resp.setStreamNotFound(notFound);
          call.write(resp);
          return call.end();
        }
        const from =
          stream?.getRevisionOptionCase() === ReadReq.Options.StreamOptions.RevisionOptionCase.REVISION
            ? BigInt(stream.getRevision())
            : undefined;
        const end = stream?.getRevisionOptionCase() === ReadReq.Options.StreamOptions.RevisionOptionCase.END;
        const ordered = backwards
          ? records.filter((r) => end || from === undefined || r.revision <= from).reverse()
          : records.filter((r) => (from === undefined ? !end : r.revision >= from));
        for (const r of take(ordered)) call.write(toReadEvent(r, false));
        return call.end();
      }

      const all = options.getAll();
      const allCase = all?.getAllOptionCase();
      const end = allCase === ReadReq.Options.AllOptions.AllOptionCase.END;
      const at =
        allCase === ReadReq.Options.AllOptions.AllOptionCase.POSITION
          ? BigInt(all?.getPosition()?.getCommitPosition() ?? '0')
          : undefined;
      const index = at === undefined ? undefined : log.indexOf(at);
      if (at !== undefined && index === undefined) {
        return call.emit('error', {
          code: grpc.status.INVALID_ARGUMENT,
          details: 'Trying to read from an invalid position.',
        });
      }
      const ours = (r: StoredRecord): boolean => matchesFilter(options, r.stream);
      if (options.getCountOptionCase() === ReadReq.Options.CountOptionCase.SUBSCRIPTION) {
        // A subscription starts after its position (at the start of the log from START, at its end from END).
        const from = end
          ? log.visibleCount(lag)
          : index === undefined
            ? 0
            : index < log.records.length
              ? index + 1
              : index;
        return subscribe(call, lag, ours, from);
      }
      stats.allReads += 1;
      if (!backwards && (allCase === ReadReq.Options.AllOptions.AllOptionCase.START || index === 0))
        stats.allReadsFromStart += 1;
      const visible = log.visibleCount(lag);
      let left = count < 0n ? Infinity : Number(count);
      if (backwards) {
        for (let i = Math.min(end || index === undefined ? visible : index, visible) - 1; i >= 0 && left > 0; i -= 1) {
          const r = log.records[i];
          if (!r || !ours(r)) continue;
          call.write(toReadEvent(r, true));
          left -= 1;
        }
      } else if (!end) {
        for (let i = index ?? 0; i < visible && left > 0; i += 1) {
          const r = log.records[i];
          if (!r || !ours(r)) continue;
          call.write(toReadEvent(r, true));
          left -= 1;
        }
      }
      call.end();
    };

  /** Catch-up then live, from the record at index `from`. */
  const subscribe = (
    call: grpc.ServerWritableStream<InstanceType<typeof ReadReq>, InstanceType<typeof ReadResp>>,
    lag: number,
    ours: (r: StoredRecord) => boolean,
    from: number,
  ): void => {
    const confirmation = new ReadResp();
    const confirmed = new ReadResp.SubscriptionConfirmation();
    confirmed.setSubscriptionId(randomUUID());
    confirmation.setConfirmation(confirmed);
    call.write(confirmation);
    let cursor = from;
    let caughtUp = false;
    const pump = (): void => {
      for (const visible = log.visibleCount(lag); cursor < visible; cursor += 1) {
        const r = log.records[cursor];
        if (r && ours(r)) call.write(toReadEvent(r, true));
      }
      if (!caughtUp) {
        caughtUp = true;
        const resp = new ReadResp();
        resp.setCaughtUp(new ReadResp.CaughtUp());
        call.write(resp);
      }
    };
    live.add(call);
    const stop = log.onCommit(() => (lag > 0 ? setTimeout(pump, lag) : pump()));
    call.on('cancelled', () => {
      stop();
      live.delete(call);
    });
    pump();
  };

  const features = (_: unknown, callback: grpc.sendUnaryData<InstanceType<typeof featuresPb.SupportedMethods>>) => {
    const methods = new featuresPb.SupportedMethods();
    methods.setEventStoreServerVersion(settings.appendRecords ? '26.1.0-fake' : '25.1.0-fake');
    for (const [service, method] of [
      ['event_store.client.streams.streams', 'read'],
      ['event_store.client.gossip.gossip', 'read'],
      ...(settings.appendRecords ? [['kurrentdb.protocol.v2.streams.streamsservice', 'appendrecords'] as const] : []),
    ]) {
      const m = new featuresPb.SupportedMethod();
      m.setServiceName(service);
      m.setMethodName(method);
      methods.addMethods(m);
    }
    callback(null, methods);
  };

  const gossip = (_: unknown, callback: grpc.sendUnaryData<InstanceType<typeof gossipPb.ClusterInfo>>) => {
    const info = new gossipPb.ClusterInfo();
    for (const node of nodes) {
      const member = new gossipPb.MemberInfo();
      const id = new sharedPb.UUID();
      id.setString(randomUUID());
      member.setInstanceId(id);
      member.setTimeStamp(String(Date.now()));
      member.setState(
        node.role === 'leader' ? gossipPb.MemberInfo.VNodeState.LEADER : gossipPb.MemberInfo.VNodeState.FOLLOWER,
      );
      member.setIsAlive(true);
      const endpoint = new gossipPb.EndPoint();
      endpoint.setAddress('127.0.0.1');
      endpoint.setPort(node.port);
      member.setHttpEndPoint(endpoint);
      info.addMembers(member);
    }
    callback(null, info);
  };

  const unimplemented = (_: unknown, callback?: (e: grpc.ServiceError) => void) =>
    callback?.(
      Object.assign(new Error('not in the fake'), {
        code: grpc.status.UNIMPLEMENTED,
        details: 'not in the fake',
        metadata: new grpc.Metadata(),
      }),
    );

  for (const role of ['leader', 'follower'] as const) {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    const node: Node = { role, port: 0, server };
    server.addService(featuresGrpc.ServerFeaturesService, { getSupportedMethods: features });
    server.addService(gossipGrpc.GossipService, { read: gossip });
    server.addService(streamsGrpc.StreamsService, {
      read: read(node),
      append: unimplemented,
      delete: unimplemented,
      tombstone: unimplemented,
      batchAppend: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
        call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
    });
    server.addService(v2Grpc.StreamsServiceService, {
      appendSession: unimplemented,
      appendRecords: (
        call: grpc.ServerUnaryCall<InstanceType<typeof v2Pb.AppendRecordsRequest>, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        if (!settings.appendRecords) return unimplemented(call, callback);
        if (role === 'follower') return callback(notLeader());
        appendRecords({ log, settings, stats, holds }, call, callback);
      },
    });
    node.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    nodes.push(node);
  }

  return {
    ports: { leader: leaderPort(), follower: nodes.find((n) => n.role === 'follower')?.port ?? 0 },
    log,
    stats,
    stop: async () => {
      for (const call of live) call.end();
      await Promise.all(nodes.map((n) => new Promise<void>((resolve) => n.server.tryShutdown(() => resolve()))));
      for (const n of nodes) n.server.forceShutdown();
    },
  };
};
