// POST /contracts and the commands on a contract's own stream (API.md: Command service).
import { Router } from 'express';
import {
  contractStream,
  decideContract,
  evolveContract,
  isContractId,
  DomainError,
  type ContractEvent,
  isQuarterId,
  computeSettlement,
  type AgreedContract,
  type ContractCommand,
  type ContractState,
  type SettlementFigures,
} from '@csu-ledger/domain';
import { partyOf, type Permission } from '@csu-ledger/auth';
import { HttpError } from '@csu-ledger/http';
import type { Request } from 'express';
import type { z } from 'zod';
import { parseBody, requestContext } from '../context.ts';
import {
  contractStateOf,
  loadContract,
  loadStream,
  loadLedger,
  notFound,
  requireContractRole,
  requirePermission,
  visibleContract,
} from '../loaders.ts';
import { idFromKey } from '../pipeline.ts';
import * as s from '../schemas.ts';
import { command } from './respond.ts';
import type { Deps } from '../deps.ts';

export const contractIdParam = (req: Request): string => {
  const id = req.params.id;
  if (typeof id !== 'string' || !isContractId(id)) throw notFound(`contract ${String(id)}`);
  return id;
};

export const contractRoutes = (deps: Deps): Router => {
  const { store } = deps;
  const r = Router();

  r.post(
    '/contracts',
    command(async (req) => {
      const ctx = requestContext(req);
      requirePermission(ctx, 'agree-contract');
      const body = parseBody(s.agreeContract, req);
      const contractId = body.contractId ?? idFromKey(ctx, 'contract');
      const streamName = contractStream(contractId);
      const events = await deps.execute(ctx, {
        streamName,
        load: () => loadStream(store, streamName, (records) => contractStateOf(store, records)),
        decide: (state) => decideContract({ type: 'AgreeContract', ...body, contractId, today: deps.today() }, state),
      });
      return { created: { contractId }, events };
    }),
  );

  /** A command on the contract's own stream, by a caller whose role and organisation may do it. */
  const onContract = <T extends z.ZodType>(
    path: string,
    permission: Permission,
    schema: T,
    toCommand: (body: z.infer<T>, contract: AgreedContract, req: Request) => ContractCommand,
  ): void => {
    r.post(
      path,
      command(async (req) => {
        const ctx = requestContext(req);
        requirePermission(ctx, permission);
        const body = parseBody(schema, req);
        const contractId = contractIdParam(req);
        const events = await deps.execute<ContractState>(ctx, {
          streamName: contractStream(contractId),
          load: async () => {
            const { events: streamEvents, contract } = await loadContract(store, ctx.actor, contractId);
            requireContractRole(ctx, permission, contract);
            return { state: contract, streamEvents };
          },
          decide: (state) => decideContract(toCommand(body, visibleContract(ctx.actor, state, contractId), req), state),
        });
        return { events };
      }),
    );
  };

  onContract('/contracts/:id/variations', 'vary-contract', s.varyContract, (b, c) => ({
    type: 'VaryContract',
    ...b,
    contractId: c.contractId,
    today: deps.today(),
  }));
  onContract('/contracts/:id/break-notices', 'serve-break-notice', s.breakNotice, (b, c, req) => ({
    type: 'ServeBreakNotice',
    ...b,
    servedBy: partyOf(req.actor!, 'serve-break-notice', c)!,
    today: deps.today(),
  }));
  onContract('/contracts/:id/deliveries', 'deliver', s.delivery, (b) => {
    if (b.businessDate !== undefined && b.businessDate !== b.deliveredOn) {
      throw new HttpError('validation-failed', 'businessDate, when sent, must equal deliveredOn', {
        errors: [{ path: 'businessDate', message: 'must equal deliveredOn' }],
      });
    }
    return {
      type: 'DeliverDeliverable',
      kpiId: b.kpiId,
      month: b.month,
      reference: b.reference,
      businessDate: b.deliveredOn,
      today: deps.today(),
    };
  });
  onContract('/contracts/:id/rejections', 'reject-delivery', s.rejection, (b) => ({
    type: 'RejectDeliverable',
    ...b,
    today: deps.today(),
  }));
  onContract('/contracts/:id/measurements', 'report-measurement', s.measurement, ({ note, evidence, ...b }) => ({
    type: 'ReportMeasurement',
    ...b,
    // The older request's note is the evidence's note (MeasurementReported version 2).
    evidence: note === undefined ? evidence : { ...evidence, note },
    today: deps.today(),
  }));

  // Issue 11: a month's KPI returns as one command. Each row is decided in turn against the contract as the rows
  // before it leave it, by the same rules as a single delivery or measurement; the events are appended together, or,
  // if any row is refused, nothing is, and every refused row is named (`rows[3].deliveredOn`) so it can be fixed.
  r.post(
    '/contracts/:id/returns',
    command(async (req) => {
      const ctx = requestContext(req);
      const body = parseBody(s.returns, req);
      const kinds = new Set(body.rows.map((row) => row.kind));
      const permissions: Permission[] = [...(kinds.has('delivery') ? ['deliver' as const] : []), ...(kinds.has('measurement') ? ['report-measurement' as const] : [])];
      for (const p of permissions) requirePermission(ctx, p);
      const contractId = contractIdParam(req);
      const events = await deps.execute<ContractState>(ctx, {
        streamName: contractStream(contractId),
        load: async () => {
          const { events: streamEvents, contract } = await loadContract(store, ctx.actor, contractId);
          for (const p of permissions) requireContractRole(ctx, p, contract);
          return { state: contract, streamEvents };
        },
        decide: (state) => {
          visibleContract(ctx.actor, state, contractId);
          const today = deps.today();
          let current = state;
          const decided: ContractEvent[] = [];
          const errors: { path: string; message: string }[] = [];
          body.rows.forEach((row, i) => {
            const cmd: ContractCommand =
              row.kind === 'delivery'
                ? { type: 'DeliverDeliverable', kpiId: row.kpiId, month: row.month, reference: row.reference, businessDate: row.deliveredOn, today }
                : {
                    type: 'ReportMeasurement',
                    kpiId: row.kpiId,
                    month: row.month,
                    achievedBp: row.achievedBp,
                    evidence: row.note === undefined ? undefined : { note: row.note },
                    businessDate: row.businessDate,
                    today,
                  };
            try {
              const events = decideContract(cmd, current);
              for (const e of events) current = evolveContract(current, e);
              decided.push(...events);
            } catch (err) {
              if (!(err instanceof DomainError)) throw err;
              errors.push({ path: `rows[${i}]${err.field ? `.${err.field}` : ''}`, message: err.message });
            }
          });
          if (errors.length > 0) {
            throw new HttpError('validation-failed', `${errors.length} of ${body.rows.length} rows refused; nothing was recorded`, { errors });
          }
          return decided;
        },
      });
      return { events };
    }),
  );

  // Approval: the figure the approver saw must equal the settlement computed now; the whole contract group must
  // not change between computing and recording it (unchangedGroup), so the approved figures replay exactly.
  r.post(
    '/contracts/:id/settlements/:quarter/approval',
    command(async (req) => {
      const ctx = requestContext(req);
      requirePermission(ctx, 'approve-settlement');
      const body = parseBody(s.approval, req);
      const contractId = contractIdParam(req);
      const quarter = req.params.quarter;
      if (typeof quarter !== 'string' || !isQuarterId(quarter)) {
        throw new HttpError('validation-failed', 'quarter must look like 2025-26-Q1', {
          errors: [{ path: 'quarter', message: 'invalid' }],
        });
      }
      const root = contractStream(contractId);
      const events = await deps.execute<{ contract: ContractState; current: SettlementFigures }>(ctx, {
        streamName: root,
        load: async () => {
          const { ledger, position } = await loadLedger(store, contractId);
          const contract = visibleContract(ctx.actor, ledger.contract, contractId);
          requireContractRole(ctx, 'approve-settlement', contract);
          return {
            state: { contract, current: computeSettlement(ledger, quarter, deps.today()) },
            // The root's committed events the ledger was folded from (none in flight: the group is read committed).
            streamEvents: (await store.readStream(root)).filter((e) => e.position > 0n && e.position <= position),
            group: { root, position },
          };
        },
        decide: ({ contract, current }) =>
          decideContract({ type: 'ApproveSettlement', quarter, ...body, current, today: deps.today() }, contract),
      });
      // Issue 14: the answer carries the receipt, the signed head that covers the approval, for the CCG to keep. The
      // approval is recorded whatever happens to its signing: then the receipt is null, and `pnpm ledger receipt` or the
      // next approval's answer has it.
      if (!deps.receipt) return { events };
      const approval = events.find((e) => e.type === 'SettlementApproved') ?? events[events.length - 1]!;
      const receipt = await deps.receipt(approval, root, { contractId, quarter }).catch((err: unknown) => {
        req.log.error({ err }, 'no receipt for the approval: signing its group failed');
        return null;
      });
      return { events, more: { receipt } };
    }),
  );
  return r;
};
