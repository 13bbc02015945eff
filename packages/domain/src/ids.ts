// Stream names and ids. A contract's extras and challenges live in streams of their own, named under the
// contract's stream ("contract-<id>.extra-…"), so the whole contract can be read as one group in global order
// (DOMAIN.md: Extras, "named so it can be read per contract"), and an extra's id names its contract.

const CONTRACT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ORG_CODE = /^[A-Z0-9]{3,5}$/;

/** Contract ids: letters, digits, '-' and '_' (no '.', which separates a contract from its extras). */
export const isContractId = (s: unknown): s is string => typeof s === 'string' && CONTRACT_ID.test(s);
/** ODS-style codes: letters and digits, 3 to 5 characters, checked for shape only (DOMAIN.md: Who and what). */
export const isOrgCode = (s: unknown): s is string => typeof s === 'string' && ORG_CODE.test(s);

export const contractStream = (contractId: string): string => `contract-${contractId}`;
export const organisationStream = (code: string): string => `organisation-${code}`;

export type ChildKind = 'extra' | 'challenge' | 'invoice';
const CHILD_ID = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})\.(extra|challenge|invoice)-([0-9a-f]{12})$/;

/** A new extra or challenge id under its contract, from 12 hex digits of a (random or key-derived) UUID. */
export const childId = (contractId: string, kind: ChildKind, uuid: string): string =>
  `${contractId}.${kind}-${uuid.replace(/-/g, '').slice(0, 12)}`;

export const parseChildId = (id: string, kind: ChildKind): { contractId: string } | undefined => {
  const m = CHILD_ID.exec(id);
  return m && m[2] === kind ? { contractId: m[1]! } : undefined;
};

/** Streams of extras and challenges: the contract's stream name followed by '.' and the child part of the id. */
export const childStream = (id: string): string => `contract-${id}`;

export type StreamKind = 'contract' | 'extra' | 'challenge' | 'invoice' | 'organisation';
export const streamKind = (streamName: string): StreamKind | undefined => {
  if (streamName.startsWith('organisation-')) return 'organisation';
  if (!streamName.startsWith('contract-')) return undefined;
  const rest = streamName.slice('contract-'.length);
  if (parseChildId(rest, 'extra')) return 'extra';
  if (parseChildId(rest, 'challenge')) return 'challenge';
  if (parseChildId(rest, 'invoice')) return 'invoice';
  return isContractId(rest) ? 'contract' : undefined;
};

/** The contract a stream belongs to (its own, or its parent's for an extra or challenge). */
export const contractIdOfStream = (streamName: string): string | undefined => {
  if (!streamName.startsWith('contract-')) return undefined;
  const rest = streamName.slice('contract-'.length);
  const dot = rest.indexOf('.');
  const id = dot < 0 ? rest : rest.slice(0, dot);
  return isContractId(id) ? id : undefined;
};

/** Invoice numbers as CSUs write them ('INV-2025/0042'): compared case-insensitively and without surrounding space. */
export const INVOICE_NUMBER = /^[A-Za-z0-9][A-Za-z0-9/._ -]{0,39}$/;
export const isInvoiceNumber = (s: unknown): s is string => typeof s === 'string' && INVOICE_NUMBER.test(s.trim());
/** The form under which a CSU's invoice number is unique (DOMAIN.md: Invoices, "unique per CSU"). */
export const invoiceNumberKey = (csu: string, invoiceNumber: string): string => `${csu}\u0000${invoiceNumber.trim().toUpperCase()}`;
