// Extra aggregate: one small function per command, then `decide`. The allowed transitions (DOMAIN.md: Extras):
//   raised/revised → awaiting-ccg → accepted | disputed | withdrawn
//   disputed → revised (back to awaiting-ccg) | withdrawn | resolved | escalated
//   escalated → resolved | withdrawn
// Anything else is refused with `transition-not-allowed`.
import { nextStep, notInFuture, type Lifecycle } from '../dates.ts';
import { refuse } from '../errors.ts';
import { formatDate, formatPounds } from '../format.ts';
import type { ExtraDisputeReason, ExtraEvent, IsoDate } from '../events.ts';
import type { ExtraState, ExtraStatus, RaisedExtra } from './model.ts';

interface Dated {
  businessDate: IsoDate;
  today: IsoDate;
}
export type ExtraCommand =
  | ({
      type: 'RaiseExtra';
      extraId: string;
      contractId: string;
      amountPence: number;
      description: string;
      serviceLine: string;
      requestedBy: string;
      /** The earliest date the contract's money items may carry (see `contractActiveFrom`). */
      contractFrom: IsoDate;
    } & Dated)
  | ({ type: 'AcceptExtra' } & Dated)
  | ({ type: 'DisputeExtra'; reason: ExtraDisputeReason; detail?: string | undefined } & Dated)
  | ({ type: 'ReviseExtra'; amountPence: number; detail?: string | undefined } & Dated)
  | ({ type: 'WithdrawExtra' } & Dated)
  | ({ type: 'ResolveExtra'; agreedPence: number } & Dated)
  | ({ type: 'EscalateExtra'; detail?: string | undefined } & Dated);

type ExtraStep = Exclude<ExtraCommand['type'], 'RaiseExtra'>;

/** DOMAIN.md: Extras, the transition table, in its words. */
export const EXTRA_LIFECYCLE: Lifecycle<ExtraStep, ExtraStatus> = {
  thing: 'extra',
  allowed: {
    AcceptExtra: ['awaiting-ccg'],
    DisputeExtra: ['awaiting-ccg'],
    ReviseExtra: ['disputed'],
    // DOMAIN.md's table: a CSU may withdraw an extra awaiting the CCG, disputed or escalated.
    WithdrawExtra: ['awaiting-ccg', 'disputed', 'escalated'],
    ResolveExtra: ['disputed', 'escalated'],
    EscalateExtra: ['disputed'],
  },
  inState: {
    'awaiting-ccg': 'an extra awaiting the CCG',
    disputed: 'a disputed extra',
    escalated: 'an extra in formal dispute resolution',
    accepted: 'an accepted extra',
    resolved: 'a resolved extra',
    withdrawn: 'a withdrawn extra',
  },
  refused: {
    AcceptExtra: 'be accepted',
    DisputeExtra: 'be disputed',
    ReviseExtra: 'be revised',
    WithdrawExtra: 'be withdrawn',
    ResolveExtra: 'be resolved',
    EscalateExtra: 'be escalated',
  },
  offered: {
    AcceptExtra: 'be accepted by the CCG',
    DisputeExtra: 'be disputed by the CCG',
    ReviseExtra: 'be revised by the CSU',
    WithdrawExtra: 'be withdrawn by the CSU',
    ResolveExtra: 'be resolved by the CCG at an agreed amount',
    EscalateExtra: 'be escalated to formal dispute resolution by either party',
  },
};

const positivePence = (n: number, field: string): void => {
  if (!Number.isSafeInteger(n) || n <= 0) refuse('invalid-input', 'amount must be whole pence > 0', field);
};

const raised = (state: ExtraState, cmd: Exclude<ExtraCommand, { type: 'RaiseExtra' }>): RaisedExtra =>
  nextStep(EXTRA_LIFECYCLE, state, cmd);

export const decideExtra = (cmd: ExtraCommand, state: ExtraState): ExtraEvent[] => {
  if (cmd.type === 'RaiseExtra') {
    if (state.status !== 'none') refuse('already-exists', `extra ${cmd.extraId} already exists`, 'extraId');
    notInFuture(cmd);
    positivePence(cmd.amountPence, 'amountPence');
    if (cmd.businessDate < cmd.contractFrom) {
      refuse(
        'invalid-input',
        `the contract starts on ${formatDate(cmd.contractFrom)}; an extra cannot be raised before it`,
        'businessDate',
      );
    }
    const { type: _t, today: _d, contractFrom: _f, ...data } = cmd;
    return [{ type: 'ExtraRaised', data }];
  }
  const x = raised(state, cmd);
  const base = { extraId: x.extraId, contractId: x.contractId, businessDate: cmd.businessDate };
  switch (cmd.type) {
    case 'AcceptExtra':
      return [{ type: 'ExtraAccepted', data: { ...base, amountPence: x.amountPence } }];
    case 'DisputeExtra':
      return [{ type: 'ExtraDisputed', data: { ...base, reason: cmd.reason, detail: cmd.detail } }];
    case 'ReviseExtra':
      positivePence(cmd.amountPence, 'amountPence');
      return [{ type: 'ExtraRevised', data: { ...base, amountPence: cmd.amountPence, detail: cmd.detail } }];
    case 'WithdrawExtra':
      return [{ type: 'ExtraWithdrawn', data: base }];
    case 'ResolveExtra':
      if (!Number.isSafeInteger(cmd.agreedPence) || cmd.agreedPence < 0) {
        refuse('invalid-input', 'agreed amount must be whole pence ≥ 0', 'agreedPence');
      }
      // Both parties agree a figure no higher than what the CSU claims (our rule; DOMAIN.md is silent).
      if (cmd.agreedPence > x.amountPence) {
        refuse(
          'amount-exceeds-claim',
          `the ${formatPounds(cmd.agreedPence)} agreed is more than the ${formatPounds(x.amountPence)} the CSU claims`,
          'agreedPence',
        );
      }
      return [{ type: 'ExtraResolved', data: { ...base, agreedPence: cmd.agreedPence } }];
    case 'EscalateExtra':
      return [{ type: 'ExtraEscalated', data: { ...base, detail: cmd.detail } }];
    default: {
      const _never: never = cmd;
      return _never;
    }
  }
};
