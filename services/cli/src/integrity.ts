// `pnpm ledger verify` and `pnpm ledger export` (issue 5): the integrity check of the whole log or of an exported
// file, and a contract's full history as NDJSON that `verify --file` can check offline. Issue 14: `verify --receipt`
// checks what a CCG's receipt vouched for against the log.
import { createReadStream, existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { contractStream, isContractId } from '@csu-ledger/domain';
import { parseInstant } from '@csu-ledger/query-service/time-travel';
import { defaultStoreSpec, inStreamGroup, openEventStore, type EventStore, type RecordedEvent } from '@csu-ledger/event-store';
import {
  HEADS_SIGNED,
  HEADS_STREAM,
  KEY_ROTATED,
  loadPublicKey,
  parseHeadsSigned,
  parseReceipt,
  toNdjsonLine,
  verifyNdjson,
  verifyReceipt,
  verifyStore,
  type Problem,
  type Receipt,
  type ReceiptVerdict,
  type Verdict,
} from '@csu-ledger/integrity';

export interface CliEnvironment {
  dataDir: string;
  store?: string | undefined;
  publicKeyPath?: string | undefined;
  privateKeyPath?: string | undefined;
}

/** Opens the configured store; a missing SQLite file is an error here, not a new empty log. */
export const openStore = (env: CliEnvironment): EventStore => {
  const spec = env.store ?? defaultStoreSpec(env.dataDir);
  if (spec.startsWith('sqlite:') && !existsSync(resolve(spec.slice('sqlite:'.length)))) {
    throw new Error(`there is no event store at ${resolve(spec.slice('sqlite:'.length))} (LEDGER_DATA_DIR, LEDGER_STORE)`);
  }
  return openEventStore(spec);
};

/** '1 event', '2 events': export and verify count alike (issue 10). */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
/** Ledger events and the signed heads beside them, the way both export and verify report them. */
const counted = (events: number, heads: number): string => `${plural(events, 'event')} and ${plural(heads, 'signed head')}`;

const short = (id: string): string => `${id.slice(0, 12)}…`;
const interval = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1_000} s`);

const describeProblem = (p: Problem): string => {
  const where = p.revision < 0 ? `line ${p.line ?? '?'}` : `stream ${p.streamName} revision ${p.revision} position ${p.position}`;
  return `${where}: ${p.kind} — ${p.detail}${p.line !== undefined && p.revision >= 0 ? ` (line ${p.line})` : ''}`;
};

export const describeVerdict = (verdict: Verdict): string => {
  if (!verdict.ok) return describeProblem(verdict.problem);
  const s = verdict.summary;
  const keys = s.keys.length > 1 ? `, then ${s.keys.slice(1).map(short).join(' → ')} by recorded key changes` : '';
  const latest = s.latestSignedAt === null ? '' : `, latest signed at ${s.latestSignedAt} (interval ${interval(s.intervalMs!)})`;
  return (
    `intact: ${counted(s.events - s.headEvents, s.headEvents)} in ${plural(s.streams, 'stream')} through position ${s.throughPosition}; ` +
    `${plural(s.signatures, 'signature')} valid (key ${s.keyId ?? 'none'}${keys}), signed through position ${s.signedThroughPosition}${latest}; ` +
    `${plural(s.awaitingSignature, 'event')} awaiting a signature (recorded within two signing intervals)`
  );
};

export const describeReceiptVerdict = (verdict: ReceiptVerdict): string => {
  if (!verdict.ok) return `receipt broken: ${describeProblem(verdict.problem)}`;
  const s = verdict.summary;
  const about = [s.contractId === null ? undefined : `contract ${s.contractId}`, s.quarter ?? undefined].filter(Boolean).join(' ');
  const event = s.event ? `${s.event.type} at position ${s.event.position} (stream ${s.event.streamName} revision ${s.event.revision}) and ` : '';
  const keys = s.keys.length > 1 ? `, reached from the trusted key ${short(s.keys[0]!)} by ${plural(s.keys.length - 1, 'key change')}` : '';
  const note = s.signedHeadInLog
    ? ''
    : `; note: the log's ${HEADS_STREAM} stream no longer holds this signed head, so it was rewritten: run \`pnpm ledger verify\``;
  return (
    `receipt holds${about ? ` for ${about}` : ''}: ${event}the ${plural(s.streams, 'stream')} it vouches for (${plural(s.events, 'event')}) are unchanged in the log; ` +
    `signed at ${s.signedAt ?? 'an unrecorded time'} through position ${s.throughPosition} with key ${s.keyId}${keys}${note}`
  );
};

/** A receipt file as a CCG keeps it; a usage error when it is not one. */
export const readReceiptFile = async (path: string): Promise<Receipt> => {
  if (!existsSync(path)) throw new Error(`there is no file ${path}`);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not JSON: a receipt is the JSON an approval answered with (or \`pnpm ledger receipt\` printed)`);
  }
  const receipt = parseReceipt(value);
  if (typeof receipt === 'string') throw new Error(`${path} is not a receipt: ${receipt}`);
  return receipt;
};

/** Prints the verdict; the exit code: 0 intact, 1 tampered. */
export const verifyCommand = async (args: string[], env: CliEnvironment, out: (line: string) => void): Promise<number> => {
  const { values } = parseArgs({
    args,
    options: { file: { type: 'string' }, receipt: { type: 'string' }, 'public-key': { type: 'string' } },
    strict: true,
  });
  if (values.file !== undefined && values.receipt !== undefined) throw new Error('--file and --receipt check different things: give one');
  const publicKeyPath = values['public-key'] ?? env.publicKeyPath;
  const key = await loadPublicKey({ dataDir: env.dataDir, publicKeyPath, privateKeyPath: env.privateKeyPath });
  if (!key) {
    throw new Error(`there is no integrity public key in ${env.dataDir} (integrity-key.pub.pem); pass --public-key <path>`);
  }
  if (values.receipt !== undefined) {
    const receipt = await readReceiptFile(values.receipt);
    const store = openStore(env);
    try {
      const verdict = await verifyReceipt(store, receipt, key);
      out(describeReceiptVerdict(verdict));
      return verdict.ok ? 0 : 1;
    } finally {
      await store.close();
    }
  }
  let verdict: Verdict;
  if (values.file !== undefined) {
    if (!existsSync(values.file)) throw new Error(`there is no file ${values.file}`);
    const lines = createInterface({ input: createReadStream(values.file, 'utf8'), crlfDelay: Infinity });
    verdict = await verifyNdjson(lines, key);
    lines.close();
  } else {
    const store = openStore(env);
    try {
      verdict = await verifyStore(store, key);
    } finally {
      await store.close();
    }
  }
  out(describeVerdict(verdict));
  return verdict.ok ? 0 : 1;
};

/** The query service's rule for asAt (DOMAIN.md: Limits): an explicit offset, a real instant, never in the future. */
const asInstant = (text: string): string => {
  const at = parseInstant('--asAt', text, new Date());
  if (!at.ok) throw new Error(at.message);
  return at.value.iso;
};

/** The contract's group, the signed heads over it and the key changes, in global order, as recorded by `asAt`. */
export const contractHistory = async (store: EventStore, contractId: string, asAt?: string): Promise<RecordedEvent[]> => {
  const root = contractStream(contractId);
  const until = asAt === undefined ? undefined : Date.parse(asAt);
  // instants compared as instants, not as text
  const known = (e: RecordedEvent) => until === undefined || Date.parse(e.recordedAt) <= until;
  const group = (await store.readStreamGroup(root)).filter(known);
  // The signatures over the group, and every key change (issue 14): a verifier follows them from the first key.
  const signatures = (await store.readStream(HEADS_STREAM)).filter(
    (e) =>
      known(e) &&
      (e.type === KEY_ROTATED ||
        (e.type === HEADS_SIGNED && (parseHeadsSigned(e.data)?.heads.some((h) => inStreamGroup(h.streamName, root)) ?? false))),
  );
  return [...group, ...signatures].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
};

/** Writes the history (stdout or --out); returns the exit code. */
export const exportCommand = async (args: string[], env: CliEnvironment, out: (text: string) => void, note: (line: string) => void): Promise<number> => {
  const { values } = parseArgs({ args, options: { contract: { type: 'string' }, asAt: { type: 'string' }, out: { type: 'string' } }, strict: true });
  if (!values.contract || !isContractId(values.contract)) throw new Error('--contract <id> is required (letters, digits, - and _)');
  const asAt = values.asAt === undefined ? undefined : asInstant(values.asAt);
  const store = openStore(env);
  let events: RecordedEvent[];
  try {
    events = await contractHistory(store, values.contract, asAt);
  } finally {
    await store.close();
  }
  if (!events.some((e) => e.streamName !== HEADS_STREAM)) {
    throw new Error(`there is no contract ${values.contract}${asAt ? ` recorded by ${asAt}` : ''}`);
  }
  const text = events.map((e) => `${toNdjsonLine(e)}\n`).join('');
  if (values.out === undefined) out(text);
  else {
    const file = await open(values.out, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
  }
  const signed = events.filter((e) => e.streamName === HEADS_STREAM).length;
  note(`exported ${counted(events.length - signed, signed)} of contract ${values.contract}${values.out ? ` to ${values.out}` : ''}`);
  return 0;
};
