// `pnpm ledger statement`: a quarter's settlement statement (issue 10) from the log itself, as JSON, CSV or XLSX: the
// same lines and figures as GET /contracts/{id}/settlements/{quarter}/statement, with no service running.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  contractStream,
  decodeLedgerEvent,
  evolveOrganisation,
  foldLedger,
  initialOrganisationState,
  isContractId,
  isLedgerRecord,
  isQuarterId,
  londonDate,
  nameAt,
  organisationStream,
  settlementStatement,
  toExactJson,
  type IsoDate,
  type OrganisationEvent,
  type OrganisationState,
  type StoredLedgerEvent,
} from '@csu-ledger/domain';
import { defaultStoreSpec, openEventStore, type EventStore } from '@csu-ledger/event-store';
import { statementCsv, statementXlsx } from '@csu-ledger/reports';
import { dataDir, storeSpec, UsageError } from './env.ts';

const FORMATS = ['json', 'csv', 'xlsx'] as const;
type Format = (typeof FORMATS)[number];

const isOrganisationEvent = (e: StoredLedgerEvent): e is StoredLedgerEvent & OrganisationEvent =>
  e.type === 'OrganisationRegistered' || e.type === 'OrganisationRenamed';

const register = async (store: EventStore, codes: string[]): Promise<Map<string, OrganisationState>> => {
  const orgs = new Map<string, OrganisationState>();
  for (const code of codes) {
    const events = (await store.readStream(organisationStream(code))).filter(isLedgerRecord).map(decodeLedgerEvent).filter(isOrganisationEvent);
    orgs.set(code, events.reduce(evolveOrganisation, initialOrganisationState()));
  }
  return orgs;
};

export const run = async (args: string[]): Promise<number> => {
  const { values } = parseArgs({
    args,
    options: { contract: { type: 'string' }, quarter: { type: 'string' }, format: { type: 'string', default: 'json' }, out: { type: 'string' } },
    strict: true,
  });
  const { contract, quarter, out } = values;
  const format = values.format as Format;
  if (!contract || !isContractId(contract)) throw new UsageError('--contract <id> is required (e.g. KIN-0AX-2025)');
  if (!quarter || !isQuarterId(quarter)) throw new UsageError('--quarter <quarter> is required (e.g. 2025-26-Q1)');
  if (!FORMATS.includes(format)) throw new UsageError('--format must be json, csv or xlsx');
  if (format === 'xlsx' && !out && process.stdout.isTTY) throw new UsageError('an XLSX workbook is binary: give --out <file.xlsx>');
  const store = openEventStore(storeSpec ?? defaultStoreSpec(dataDir));
  try {
    const events = (await store.readStreamGroup(contractStream(contract))).filter(isLedgerRecord).map(decodeLedgerEvent);
    const ledger = foldLedger(events);
    if (ledger.contract.status !== 'agreed') throw new UsageError(`there is no contract ${contract} in the log`);
    const orgs = await register(store, [ledger.contract.ccg, ledger.contract.csu, ...Object.values(ledger.challenges).map((c) => c.trust)]);
    // DOMAIN.md: a view shows the name in force at its date; before an organisation's registration, the code alone.
    const nameOf = (code: string, on: IsoDate): string | undefined => {
      const o = orgs.get(code);
      return o?.status === 'registered' && o.names[0]!.from <= on ? nameAt(o, on) : undefined;
    };
    const statement = settlementStatement(ledger, quarter, londonDate(new Date()), nameOf);
    const body = format === 'xlsx' ? await statementXlsx(statement) : format === 'csv' ? statementCsv(statement) : `${toExactJson(statement)}\n`;
    if (out) {
      writeFileSync(out, body);
      process.stderr.write(`wrote the ${statement.period} statement of ${contract} (${statement.status}) to ${out}\n`);
    } else {
      process.stdout.write(body);
    }
    return 0;
  } finally {
    await store.close();
  }
};
