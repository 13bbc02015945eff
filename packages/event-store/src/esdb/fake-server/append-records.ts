// TEST DOUBLE: StreamsService.AppendRecords of the fake KurrentDB server, after KurrentDB 26.1's StreamsService and
// its validators: checks are registered first, then the streams records go to (so a stream's index is its place in
// that order); a check of ANY, a stream checked twice, a schema name outside letters, digits and `_ . $ : -`, or a
// record over the size limits is refused; the answers are the server's, down to the error details the client reads.
import * as grpc from '@grpc/grpc-js';
import errorsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/errors_pb.js';
import v2Pb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_pb.js';
import { ANY, type FakeLog, type ProposedRecord, type StreamWrite } from './log.ts';
import type { FakeSettings, FakeStats, Holds } from './script.ts';

type Callback = grpc.sendUnaryData<unknown>;

const VALID_STATES = new Set([-1n, -4n, -5n, -6n]);
const SCHEMA_NAME = /^[\p{L}\p{N}_.$:-]+$/u;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// google.rpc.Status, as grpc-status-details-bin carries it: code (1), message (2), details (3: Any{type_url, value}).
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
  out.push(n);
  return out;
};
const bytesField = (no: number, bytes: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from([(no << 3) | 2, ...varint(bytes.length)]), bytes]);

const failure = (
  code: grpc.status,
  message: string,
  detail?: { type: string; bytes: Uint8Array },
): grpc.ServiceError => {
  const metadata = new grpc.Metadata();
  if (detail) {
    const any = Buffer.concat([
      bytesField(1, Buffer.from(`type.googleapis.com/kurrentdb.protocol.v2.streams.errors.${detail.type}`)),
      bytesField(2, detail.bytes),
    ]);
    metadata.set(
      'grpc-status-details-bin',
      Buffer.concat([Buffer.from([0x08, ...varint(code)]), bytesField(2, Buffer.from(message)), bytesField(3, any)]),
    );
  }
  return Object.assign(new Error(message), { code, details: message, metadata });
};

const propertiesJson = (record: InstanceType<typeof v2Pb.AppendRecord>, type: string): string => {
  const properties: Record<string, unknown> = {};
  record.getPropertiesMap().forEach((value, key) => {
    properties[key] = value.toJavaScript();
  });
  // What a v1 reader is shown for a record written with properties (KurrentDB 26.1, EventRecord).
  return JSON.stringify({ ...properties, '$schema.name': type, '$schema.format': 'Json' });
};

export interface AppendContext {
  log: FakeLog;
  settings: FakeSettings;
  stats: FakeStats;
  holds: Holds;
}

export const appendRecords = (
  { log, settings: script, stats, holds }: AppendContext,
  call: grpc.ServerUnaryCall<InstanceType<typeof v2Pb.AppendRecordsRequest>, unknown>,
  callback: Callback,
): void => {
  const request = call.request;
  const invalid = (message: string) => callback(failure(grpc.status.INVALID_ARGUMENT, message));
  if (request.getRecordsList().length === 0) return invalid('Append records request must contain at least one record.');

  const writes: StreamWrite[] = [];
  const indexOf = new Map<string, number>();
  for (const check of request.getChecksList()) {
    const state = check.getStreamState();
    if (!state) continue;
    const expected = BigInt(state.getExpectedState());
    if (!(expected >= 0n || VALID_STATES.has(expected)))
      return invalid('Any (-2) is not allowed in a consistency check.');
    if (indexOf.has(state.getStream().toLowerCase()))
      return invalid('Each stream can only appear once in consistency checks.');
    indexOf.set(state.getStream().toLowerCase(), writes.length);
    writes.push({ stream: state.getStream(), expected, records: [] });
  }

  const order: { stream: string; record: ProposedRecord }[] = [];
  let total = 0;
  for (const [index, record] of request.getRecordsList().entries()) {
    const type = record.getSchema()?.getName() ?? '';
    const id = record.getRecordId() ?? '';
    if (!SCHEMA_NAME.test(type) || type.normalize('NFC') !== type) {
      return invalid(
        `Schema name can only contain unicode letters, digits, underscores, dashes, periods, colons, and dollar signs. Attempted Value: ${type}`,
      );
    }
    if (!UUID.test(id)) return invalid('Record ID must be a valid and non-empty UUID.');
    const data = Buffer.from(record.getData_asU8());
    const metadata = Buffer.from(propertiesJson(record, type));
    const size = data.length + metadata.length + Buffer.byteLength(type);
    if (size > script.maxRecordSize) {
      const details = new errorsPb.AppendRecordSizeExceededErrorDetails();
      details.setStream(record.getStream());
      details.setRecordId(id);
      details.setSize(size);
      details.setMaxSize(script.maxRecordSize);
      const message = `The size of record ${id} (${size} bytes) exceeds the maximum allowed size of ${script.maxRecordSize} bytes`;
      return callback(
        failure(grpc.status.INVALID_ARGUMENT, message, {
          type: 'AppendRecordSizeExceededErrorDetails',
          bytes: details.serializeBinary(),
        }),
      );
    }
    if ((total += size) > script.maxAppendSize) {
      const details = new errorsPb.AppendTransactionSizeExceededErrorDetails();
      details.setSize(total);
      details.setMaxSize(script.maxAppendSize);
      const message = `Transaction size (${total} bytes) exceeded the maximum allowed size of ${script.maxAppendSize} bytes, after ${index + 1} record(s).`;
      return callback(
        failure(grpc.status.ABORTED, message, {
          type: 'AppendTransactionSizeExceededErrorDetails',
          bytes: details.serializeBinary(),
        }),
      );
    }
    const stream = record.getStream();
    let at = indexOf.get(stream.toLowerCase());
    if (at === undefined) {
      at = writes.length;
      indexOf.set(stream.toLowerCase(), at);
      writes.push({ stream, expected: ANY, records: [] });
    }
    const proposed: ProposedRecord = { id: id.toLowerCase(), type, isJson: true, data, metadata };
    writes[at]?.records.push({ index, record: proposed });
    order.push({ stream: writes[at]?.stream ?? stream, record: proposed });
  }

  void holds
    .pass(
      writes.map((w) => w.stream),
      'check',
    )
    .then(() => decide(log, holds, stats, writes, order, callback));
};

const decide = (
  log: FakeLog,
  holds: Holds,
  stats: FakeStats,
  writes: StreamWrite[],
  order: { stream: string; record: ProposedRecord }[],
  callback: Callback,
): void => {
  const decision = log.write(writes, order);
  const answer = (revisions: Map<string, bigint>, position: bigint) => {
    const response = new v2Pb.AppendRecordsResponse();
    for (const [stream, revision] of revisions) {
      const r = new v2Pb.StreamRevision();
      r.setStream(stream);
      r.setRevision(revision.toString());
      response.addRevisions(r);
    }
    response.setPosition(position.toString());
    callback(null, response);
  };
  switch (decision.kind) {
    case 'dropped':
      stats.dropped += 1;
      return; // the server's IdempotentNotReady: no answer at all, until the client's deadline
    case 'already':
      return answer(decision.revisions, 0n);
    case 'failed': {
      const details = new errorsPb.AppendConsistencyViolationErrorDetails();
      for (const f of decision.failures) {
        const violation = new errorsPb.ConsistencyViolation();
        violation.setCheckIndex(f.streamIndex);
        const state = new errorsPb.ConsistencyViolation.StreamStateViolation();
        state.setStream(writes[f.streamIndex]?.stream ?? '');
        state.setExpectedState(f.expected.toString());
        state.setActualState(f.actual.toString());
        violation.setStreamState(state);
        details.addViolations(violation);
      }
      const message = 'Append failed due to consistency violations.';
      return callback(
        failure(grpc.status.FAILED_PRECONDITION, message, {
          type: 'AppendConsistencyViolationErrorDetails',
          bytes: details.serializeBinary(),
        }),
      );
    }
    case 'written': {
      const written = decision.records;
      void holds
        .pass(
          written.map((r) => r.stream),
          'commit',
        )
        .then(() => {
          log.replicated(written);
          return decision.committed;
        })
        .then(() => answer(decision.revisions, written.at(-1)?.position ?? 0n));
      return;
    }
  }
};
