// Extras and challenges: each in a stream of its own under its contract (API.md: /contracts/{id}/extras,
// /extras/{id}/…, /contracts/{id}/challenges, /challenges/{id}/…).
import { Router, type Request } from 'express';
import type { z } from 'zod';
import {
  childId,
  childStream,
  decideChallenge,
  decideExtra,
  evolveChallenge,
  evolveExtra,
  initialChallengeState,
  initialExtraState,
  parseChildId,
  type ChallengeCommand,
  type ChallengeEvent,
  type ChildKind,
  type ExtraCommand,
  type ExtraEvent,
  type IsoDate,
  type LedgerEvent,
  type AgreedContract,
  contractActiveFrom,
} from '@csu-ledger/domain';
import type { Permission } from '@csu-ledger/auth';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { parseBody, requestContext } from '../context.ts';
import { loadContract, notFound, requireContractRole, requirePermission } from '../loaders.ts';
import { idFromKey } from '../pipeline.ts';
import * as s from '../schemas.ts';
import { contractIdParam } from './contracts.ts';
import { command } from './respond.ts';
import type { Deps } from '../deps.ts';

interface Kind<C, S> {
  kind: ChildKind;
  decide: (cmd: C, state: S) => LedgerEvent[];
  fold: (events: RecordedEvent[]) => S;
}
const extra: Kind<ExtraCommand, ReturnType<typeof initialExtraState>> = {
  kind: 'extra',
  decide: decideExtra,
  fold: (events) => events.reduce((st, e) => evolveExtra(st, e as unknown as ExtraEvent), initialExtraState()),
};
const challenge: Kind<ChallengeCommand, ReturnType<typeof initialChallengeState>> = {
  kind: 'challenge',
  decide: decideChallenge,
  fold: (events) =>
    events.reduce((st, e) => evolveChallenge(st, e as unknown as ChallengeEvent), initialChallengeState()),
};

export const childRoutes = (deps: Deps): Router => {
  const { store } = deps;
  const r = Router();

  /** Runs a command on one child stream after the caller's organisation is checked against the parent contract. */
  const run = async <C, S extends { status: string }>(
    req: Request,
    k: Kind<C, S>,
    permission: Permission,
    contractId: string,
    id: string,
    toCommand: (contract: AgreedContract) => C,
    mustExist: boolean,
  ): Promise<RecordedEvent[]> => {
    const ctx = requestContext(req);
    const streamName = childStream(id);
    let parent: AgreedContract | undefined;
    return deps.execute<S>(ctx, {
      streamName,
      load: async () => {
        const { contract } = await loadContract(store, ctx.actor, contractId);
        parent = contract;
        const streamEvents = await store.readStream(streamName);
        const state = k.fold(streamEvents);
        if (mustExist && state.status === 'none') throw notFound(`${k.kind} ${id}`);
        requireContractRole(ctx, permission, contract);
        return { state, streamEvents };
      },
      decide: (state) => k.decide(toCommand(parent!), state),
    });
  };

  const raise = <T extends z.ZodType>(
    k: typeof extra | typeof challenge,
    permission: Permission,
    schema: T,
    build: (b: z.infer<T>, ids: { contractId: string; id: string; today: IsoDate; contractFrom: IsoDate }) => unknown,
  ) => {
    r.post(
      `/contracts/:id/${k.kind === 'extra' ? 'extras' : 'challenges'}`,
      command(async (req) => {
        const ctx = requestContext(req);
        requirePermission(ctx, permission);
        const body = parseBody(schema, req);
        const contractId = contractIdParam(req);
        const id = childId(contractId, k.kind, idFromKey(ctx, k.kind));
        const cmd = (c: AgreedContract) =>
          build(body, { contractId, id, today: deps.today(), contractFrom: contractActiveFrom(c) });
        const events = await run(req, k as Kind<unknown, { status: string }>, permission, contractId, id, cmd, false);
        return { created: { [`${k.kind}Id`]: id }, events };
      }),
    );
  };
  raise(extra, 'raise-extra', s.raiseExtra, (b, x) => ({
    type: 'RaiseExtra',
    ...b,
    extraId: x.id,
    contractId: x.contractId,
    today: x.today,
    contractFrom: x.contractFrom,
  }));
  raise(challenge, 'raise-challenge', s.raiseChallenge, (b, x) => ({
    type: 'RaiseChallenge',
    ...b,
    challengeId: x.id,
    contractId: x.contractId,
    today: x.today,
    contractFrom: x.contractFrom,
  }));

  const act = <T extends z.ZodType, C>(
    k: Kind<C, { status: string }>,
    path: string,
    permission: Permission,
    schema: T,
    build: (b: z.infer<T>, today: IsoDate) => C,
  ) => {
    r.post(
      `/${k.kind === 'extra' ? 'extras' : 'challenges'}/:childId/${path}`,
      command(async (req) => {
        const ctx = requestContext(req);
        requirePermission(ctx, permission);
        const body = parseBody(schema, req);
        const id = String(req.params.childId);
        const parsed = parseChildId(id, k.kind);
        if (!parsed) throw notFound(`${k.kind} ${id}`);
        return { events: await run(req, k, permission, parsed.contractId, id, () => build(body, deps.today()), true) };
      }),
    );
  };
  const x = extra as unknown as Kind<ExtraCommand, { status: string }>;
  act(x, 'accept', 'accept-extra', s.acceptExtra, (b, today) => ({ type: 'AcceptExtra' as const, ...b, today }));
  act(x, 'dispute', 'dispute-extra', s.disputeExtra, (b, today) => ({ type: 'DisputeExtra' as const, ...b, today }));
  act(x, 'revise', 'revise-extra', s.reviseExtra, (b, today) => ({ type: 'ReviseExtra' as const, ...b, today }));
  act(x, 'withdraw', 'withdraw-extra', s.withdraw, (b, today) => ({ type: 'WithdrawExtra' as const, ...b, today }));
  act(x, 'resolve', 'resolve-extra', s.resolveExtra, (b, today) => ({ type: 'ResolveExtra' as const, ...b, today }));
  act(x, 'escalate', 'escalate-extra', s.escalate, (b, today) => ({ type: 'EscalateExtra' as const, ...b, today }));
  const c = challenge as unknown as Kind<ChallengeCommand, { status: string }>;
  act(c, 'responses', 'record-trust-response', s.trustResponse, (b, today) => ({
    type: 'RecordTrustResponse' as const,
    ...b,
    today,
  }));
  act(c, 'escalate', 'escalate-challenge', s.escalate, (b, today) => ({
    type: 'EscalateChallenge' as const,
    ...b,
    today,
  }));
  act(c, 'resolve', 'resolve-challenge', s.resolveChallenge, (b, today) => ({
    type: 'ResolveChallenge' as const,
    ...b,
    today,
  }));
  act(c, 'withdraw', 'withdraw-challenge', s.withdraw, (b, today) => ({
    type: 'WithdrawChallenge' as const,
    ...b,
    today,
  }));
  return r;
};
