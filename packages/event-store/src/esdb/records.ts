// How the port's events become KurrentDB records (AppendRecords, KurrentDB 26.1), the checks that go with them, and
// how recorded times are kept from going backwards. Pure, like mapping.ts: covered by esdb-mapping.unit.test.ts.
import type { NewEvent, RecordedEvent } from '../port.ts';
import { METADATA_PROPERTY, TYPE_PROPERTY, recordedTime } from './mapping.ts';

/** One record of an AppendRecords call, in neutral terms (client.ts turns it into the client's). */
export interface ServerRecord {
  /** The stream on the server (prefix included). */
  stream: string;
  /** The record id: the port's event id, lower case, as the server hands it back. */
  id: string;
  /** The schema name, which v1 readers see as the event type. */
  type: string;
  /** Any JSON value; written as JSON. */
  data: unknown;
  /** String values only: the server stores them as record properties. */
  properties: Readonly<Record<string, string>>;
}

/**
 * A consistency check of an AppendRecords call: the stream must be at exactly this revision, or not exist. The server
 * refuses a check of `any` (it would check nothing), so the type has no such value.
 */
export interface StateCheck {
  stream: string;
  expected: 'no-stream' | bigint;
}

/**
 * The server takes schema names of letters, digits and `_ . $ : -` in Unicode NFC (KurrentDB 26.1). Types within the
 * plain ASCII part of that are written as they are; any other type (the port allows any string) is written under
 * this fixed name, with the type itself in a property that reading restores (mapping.ts: toRecordedEvent).
 */
const PLAIN_SCHEMA_NAME = /^[A-Za-z0-9_.:-]+$/;
export const ENCODED_TYPE_SCHEMA = 'ledger.encoded-type';

/** The record for one event of the port, in `serverStream`. */
export const toServerRecord = (serverStream: string, event: NewEvent): ServerRecord => {
  const plain = PLAIN_SCHEMA_NAME.test(event.type);
  return {
    stream: serverStream,
    id: event.eventId.toLowerCase(),
    type: plain ? event.type : ENCODED_TYPE_SCHEMA,
    // Any JSON value round-trips; `undefined` becomes null, as on the other stores.
    data: event.data ?? null,
    properties: {
      [METADATA_PROPERTY]: JSON.stringify(event.metadata),
      ...(plain ? {} : { [TYPE_PROPERTY]: event.type }),
    },
  };
};

/**
 * `recordedAt` never decreases with position, as the port promises, although the server's `created` can: after a
 * failover the new leader's clock may be behind the old one's. Each answer is clamped to a running maximum, starting
 * from `floor`, the newest recorded time among the events just before its first one (LOOKBACK of them). Events must
 * be in position order. Answers that overlap agree whenever a backward step of the clocks lasts fewer than LOOKBACK
 * events, which a leader election (seconds without writes) makes all but certain.
 */
export const LOOKBACK = 8;
export const clampRecordedAt = (events: readonly RecordedEvent[], floor: string | undefined): RecordedEvent[] => {
  let high = floor ?? '';
  return events.map((e) => {
    if (e.recordedAt >= high) {
      high = e.recordedAt;
      return e;
    }
    return { ...e, recordedAt: high };
  });
};

/** The newest recorded (server) time among `events`, for a floor. */
export const newestTime = (events: readonly { created: Date }[]): string | undefined =>
  events.reduce<string | undefined>((high, e) => {
    const time = recordedTime(e.created);
    return high === undefined || time > high ? time : high;
  }, undefined);
