// Extras, challenges and invoices: each in a stream of its own under its contract (API.md: /contracts/{id}/extras,
// /extras/{id}/…, /contracts/{id}/challenges, /challenges/{id}/…, /contracts/{id}/invoices, /invoices/{id}/…).
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import type { z } from 'zod';
import {
  childId,
  childStream,
  contractActiveFrom,
  decideChallenge,
  decideExtra,
  decideInvoice,
  evolveChallenge,
  evolveExtra,
  evolveInvoice,
  initialChallengeState,
  initialExtraState,
  initialInvoiceState,
  invoiceNumberKey,
  isChallengeEvent,
  isExtraEvent,
  isInvoiceEvent,
  parseChildId,
  recoveryQuarter,
  settlementQuarters,
  DomainError,
  type AgreedContract,
  type ChallengeCommand,
  type ChallengeState,
  type ChildKind,
  type ContractLedger,
  type ExtraCommand,
  type ExtraState,
  type InvoiceCommand,
  type InvoiceState,
  type IsoDate,
  type LedgerEvent,
  type StoredLedgerEvent,
} from '@csu-ledger/domain';
import type { Permission } from '@csu-ledger/auth';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { parseBody, requestContext } from '../context.ts';
import {
  decoded,
  loadContract,
  loadLedger,
  notFound,
  requireContractRole,
  requirePermission,
  visibleContract,
} from '../loaders.ts';
import { idFromKey, type Execution } from '../pipeline.ts';
import { deterministicUuid } from '../uuid.ts';
import * as s from '../schemas.ts';
import { contractIdParam } from './contracts.ts';
import { command } from './respond.ts';
import type { Deps } from '../deps.ts';

/** One kind of child stream: its aggregate's decider and fold, and where its routes live. */
interface Kind<C, S> {
  kind: ChildKind;
  plural: 'extras' | 'challenges' | 'invoices';
  decide: (cmd: C, state: S) => LedgerEvent[];
  fold: (events: StoredLedgerEvent[]) => S;
}
const extra: Kind<ExtraCommand, ExtraState> = {
  kind: 'extra',
  plural: 'extras',
  decide: decideExtra,
  fold: (events) => events.filter(isExtraEvent).reduce<ExtraState>(evolveExtra, initialExtraState()),
};
const challenge: Kind<ChallengeCommand, ChallengeState> = {
  kind: 'challenge',
  plural: 'challenges',
  decide: decideChallenge,
  fold: (events) => events.filter(isChallengeEvent).reduce<ChallengeState>(evolveChallenge, initialChallengeState()),
};
const invoice: Kind<InvoiceCommand, InvoiceState> = {
  kind: 'invoice',
  plural: 'invoices',
  decide: decideInvoice,
  fold: (events) => events.filter(isInvoiceEvent).reduce<InvoiceState>(evolveInvoice, initialInvoiceState()),
};

/** What a child's command may need of its contract: always the contract; for some, its whole ledger. */
interface Parent {
  contract: AgreedContract;
  ledger?: ContractLedger | undefined;
}

interface Target {
  contractId: string;
  id: string;
  /** Load the contract's whole group (recovery queries, invoices need money items and extras). */
  withLedger?: boolean;
  mustExist: boolean;
  /** The first event's id when it must be unique across the log (an invoice number per CSU). */
  unique?: Execution<unknown>['unique'];
}

export const childRoutes = (deps: Deps): Router => {
  const { store } = deps;
  const r = Router();

  /** Runs a command on one child stream after the caller's organisation is checked against the parent contract. */
  const run = async <C, S extends { status: string }>(
    req: Request,
    k: Kind<C, S>,
    permission: Permission,
    target: Target,
    toCommand: (parent: Parent) => C,
  ): Promise<RecordedEvent[]> => {
    const ctx = requestContext(req);
    const streamName = childStream(target.id);
    let parent: Parent | undefined;
    return deps.execute<S>(ctx, {
      streamName,
      unique: target.unique,
      load: async () => {
        if (target.withLedger) {
          const { ledger } = await loadLedger(store, target.contractId);
          parent = { contract: visibleContract(ctx.actor, ledger.contract, target.contractId), ledger };
        } else {
          parent = { contract: (await loadContract(store, ctx.actor, target.contractId)).contract };
        }
        const streamEvents = await store.readStream(streamName);
        const state = k.fold(decoded(streamEvents));
        if (target.mustExist && state.status === 'none') throw notFound(`${k.kind} ${target.id}`);
        requireContractRole(ctx, permission, parent.contract);
        return { state, streamEvents };
      },
      decide: (state) => k.decide(toCommand(parent!), state),
    });
  };

  /** POST /contracts/{id}/<plural>: a new child of the contract. */
  const create = <T extends z.ZodType, C, S extends { status: string }>(
    k: Kind<C, S>,
    permission: Permission,
    schema: T,
    build: (b: z.infer<T>, at: { contractId: string; id: string; today: IsoDate; parent: Parent }) => C,
    identify: (
      b: z.infer<T>,
      contractId: string,
      req: Request,
    ) => { id: string; unique?: Target['unique']; withLedger?: boolean },
  ) => {
    r.post(
      `/contracts/:id/${k.plural}`,
      command(async (req) => {
        const ctx = requestContext(req);
        requirePermission(ctx, permission);
        const body = parseBody(schema, req);
        const contractId = contractIdParam(req);
        const { id, unique, withLedger } = identify(body, contractId, req);
        const events = await run(
          req,
          k,
          permission,
          { contractId, id, unique, withLedger, mustExist: false },
          (parent) => build(body, { contractId, id, today: deps.today(), parent }),
        );
        return { created: { [`${k.kind}Id`]: id }, events };
      }),
    );
  };

  /** POST /<plural>/{id}/<path>: a step in a child's lifecycle. */
  const act = <T extends z.ZodType, C, S extends { status: string }>(
    k: Kind<C, S>,
    path: string,
    permission: Permission,
    schema: T,
    build: (b: z.infer<T>, today: IsoDate, parent: Parent, id: string) => C,
    withLedger = false,
  ) => {
    r.post(
      `/${k.plural}/:childId/${path}`,
      command(async (req) => {
        const ctx = requestContext(req);
        requirePermission(ctx, permission);
        const body = parseBody(schema, req);
        const id = String(req.params.childId);
        const parsed = parseChildId(id, k.kind);
        if (!parsed) throw notFound(`${k.kind} ${id}`);
        const target = { contractId: parsed.contractId, id, withLedger, mustExist: true };
        return { events: await run(req, k, permission, target, (parent) => build(body, deps.today(), parent, id)) };
      }),
    );
  };

  const fromKey = (kind: ChildKind) => (_b: unknown, contractId: string, req: Request) => ({
    id: childId(contractId, kind, idFromKey(requestContext(req), kind)),
  });
  create(
    extra,
    'raise-extra',
    s.raiseExtra,
    (b, x) => ({
      type: 'RaiseExtra' as const,
      ...b,
      extraId: x.id,
      contractId: x.contractId,
      today: x.today,
      contractFrom: contractActiveFrom(x.parent.contract),
    }),
    fromKey('extra'),
  );
  act(extra, 'accept', 'accept-extra', s.acceptExtra, (b, today) => ({ type: 'AcceptExtra' as const, ...b, today }));
  act(extra, 'dispute', 'dispute-extra', s.disputeExtra, (b, today) => ({
    type: 'DisputeExtra' as const,
    ...b,
    today,
  }));
  act(extra, 'revise', 'revise-extra', s.reviseExtra, (b, today) => ({ type: 'ReviseExtra' as const, ...b, today }));
  act(extra, 'withdraw', 'withdraw-extra', s.withdraw, (b, today) => ({ type: 'WithdrawExtra' as const, ...b, today }));
  act(extra, 'resolve', 'resolve-extra', s.resolveExtra, (b, today) => ({
    type: 'ResolveExtra' as const,
    ...b,
    today,
  }));
  act(extra, 'escalate', 'escalate-extra', s.escalate, (b, today) => ({ type: 'EscalateExtra' as const, ...b, today }));

  create(
    challenge,
    'raise-challenge',
    s.raiseChallenge,
    (b, x) => ({
      type: 'RaiseChallenge' as const,
      ...b,
      challengeId: x.id,
      contractId: x.contractId,
      today: x.today,
      contractFrom: contractActiveFrom(x.parent.contract),
    }),
    fromKey('challenge'),
  );
  act(challenge, 'responses', 'record-trust-response', s.trustResponse, (b, today) => ({
    type: 'RecordTrustResponse' as const,
    ...b,
    today,
  }));
  act(challenge, 'escalate', 'escalate-challenge', s.escalate, (b, today) => ({
    type: 'EscalateChallenge' as const,
    ...b,
    today,
  }));
  act(challenge, 'resolve', 'resolve-challenge', s.resolveChallenge, (b, today) => ({
    type: 'ResolveChallenge' as const,
    ...b,
    today,
  }));
  act(challenge, 'withdraw', 'withdraw-challenge', s.withdraw, (b, today) => ({
    type: 'WithdrawChallenge' as const,
    ...b,
    today,
  }));
  // DOMAIN.md: a recovery may be queried while the quarter it counts in is open, so the query needs the contract's ledger.
  act(
    challenge,
    'query',
    'query-recovery',
    s.queryRecovery,
    (b, today, parent, id) => {
      const q = parent.ledger && recoveryQuarter(parent.ledger, id);
      return {
        type: 'QueryRecovery' as const,
        ...b,
        countsInApprovedQuarter: q !== undefined && parent.contract.approvals[q] !== undefined,
        today,
      };
    },
    true,
  );
  act(challenge, 'confirm', 'confirm-recovery', s.confirmRecovery, (b, today) => ({
    type: 'ConfirmRecovery' as const,
    ...b,
    today,
  }));

  // Invoices: the id and the first event's id come from the CSU and the invoice number, so the store itself refuses
  // the same number twice for one CSU, on any of its contracts (DOMAIN.md: unique per CSU).
  create(
    invoice,
    'submit-invoice',
    s.submitInvoice,
    (b, x) => ({
      type: 'SubmitInvoice' as const,
      ...b,
      invoiceId: x.id,
      contractId: x.contractId,
      csu: x.parent.contract.csu,
      billableQuarters: x.parent.ledger ? settlementQuarters(x.parent.ledger) : [],
      extraExists: b.extraId !== undefined && x.parent.ledger?.extras[b.extraId] !== undefined,
      today: x.today,
    }),
    (b, contractId, req) => {
      // the CSU is the caller's organisation: only the contract's CSU may submit (checked against the contract)
      const key = invoiceNumberKey(requestContext(req).actor.org.toUpperCase(), b.invoiceNumber);
      const digest = createHash('sha256').update(key).digest('hex');
      return {
        id: childId(contractId, 'invoice', digest),
        withLedger: true,
        unique: {
          eventId: deterministicUuid(`invoice\u0000${key}`),
          refusal: () =>
            new DomainError(
              'already-exists',
              `invoice number ${b.invoiceNumber.trim()} is already used by this CSU`,
              'invoiceNumber',
            ),
        },
      };
    },
  );
  act(invoice, 'dispute', 'dispute-invoice', s.disputeInvoice, (b, today) => ({
    type: 'DisputeInvoice' as const,
    ...b,
    today,
  }));
  act(invoice, 'pay', 'pay-invoice', s.payInvoice, (b, today) => ({
    type: 'PayInvoice' as const,
    amountPence: b.amountPence,
    businessDate: b.paidOn,
    today,
  }));
  act(invoice, 'withdraw', 'withdraw-invoice', s.withdraw, (b, today) => ({
    type: 'WithdrawInvoice' as const,
    ...b,
    today,
  }));
  return r;
};
