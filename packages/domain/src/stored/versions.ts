// Versions of stored event shapes and the small pure steps that lift an older version to the next (issue 12). A log
// is read for as long as contracts' records are kept (six years and more), so an event written once is read by every
// later version of the code: never change a stored shape in place, add a version and its upcaster here.
import type { LedgerEventType } from '../events.ts';

/** data of version n → data of version n + 1. Pure, total on valid input of version n. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * For each event type, the upcasters from version 1 up: the current version is their count + 1. An event written
 * without `metadata.schemaVersion` is version 1 (every event before versions existed).
 */
export const UPCASTERS: Readonly<Record<LedgerEventType, readonly Upcaster[]>> = {
  OrganisationRegistered: [],
  OrganisationRenamed: [],
  ContractAgreed: [],
  ContractVaried: [],
  BreakNoticeServed: [],
  DeliverableDelivered: [],
  DeliverableRejected: [],
  // 1 → 2: the free-text note becomes the note of structured evidence (counts and their unit may join it).
  MeasurementReported: [({ note, ...rest }) => (note === undefined ? rest : { ...rest, evidence: { note } })],
  SettlementApproved: [],
  ExtraRaised: [],
  ExtraAccepted: [],
  ExtraDisputed: [],
  ExtraRevised: [],
  ExtraWithdrawn: [],
  ExtraResolved: [],
  ExtraEscalated: [],
  ChallengeRaised: [],
  TrustResponded: [],
  ChallengeEscalated: [],
  ChallengeResolved: [],
  ChallengeWithdrawn: [],
  RecoveryQueried: [],
  RecoveryConfirmed: [],
  InvoiceSubmitted: [],
  InvoiceDisputed: [],
  InvoicePaid: [],
  InvoiceWithdrawn: [],
};

/**
 * Metadata has no version of its own; its one older shape is known by its fields. Events recorded before the acting
 * role was (commit 13cca5c, 2026-11-24) carry the token's `roles` instead of `role`: the first of them is the role.
 */
export const liftMetadata = (metadata: Record<string, unknown>): Record<string, unknown> => {
  const actor = metadata.actor as { role?: unknown; roles?: unknown } | null | undefined;
  if (actor === null || typeof actor !== 'object' || actor.role !== undefined || !Array.isArray(actor.roles)) return metadata;
  const { roles, ...who } = actor;
  return { ...metadata, actor: { ...who, role: roles[0] as unknown } };
};

/** The version the code writes now for an event type. */
export const currentVersion = (type: LedgerEventType): number => UPCASTERS[type].length + 1;
