// Extra aggregate: a charge the CSU raises outside the core fee (DOMAIN.md: Extras).
import type { ExtraDisputeReason, ExtraEvent, IsoDate } from '../events.ts';

export type ExtraStatus = 'awaiting-ccg' | 'disputed' | 'escalated' | 'accepted' | 'resolved' | 'withdrawn';
export interface RaisedExtra {
  status: ExtraStatus;
  extraId: string;
  contractId: string;
  raisedOn: IsoDate;
  description: string;
  serviceLine: string;
  requestedBy: string;
  originalPence: number;
  /** The latest amount claimed (after revisions). */
  amountPence: number;
  disputeReason?: ExtraDisputeReason | undefined;
  /** Accepted or agreed amount, once settled: the only payable money (DOMAIN.md). */
  payablePence?: number | undefined;
  lastChangedOn: IsoDate;
}
export type ExtraState = { status: 'none' } | RaisedExtra;

export const initialExtraState = (): ExtraState => ({ status: 'none' });

/** Still waiting on the parties: shown as disputed money in a settlement. */
export const isExtraOpen = (s: ExtraStatus): boolean => s === 'awaiting-ccg' || s === 'disputed' || s === 'escalated';

export const evolveExtra = (state: ExtraState, event: ExtraEvent): ExtraState => {
  if (event.type === 'ExtraRaised') {
    const { extraId, contractId, businessDate, description, serviceLine, requestedBy, amountPence } = event.data;
    return {
      status: 'awaiting-ccg',
      extraId,
      contractId,
      raisedOn: businessDate,
      description,
      serviceLine,
      requestedBy,
      originalPence: amountPence,
      amountPence,
      lastChangedOn: businessDate,
    };
  }
  if (state.status === 'none') return state;
  const on = event.data.businessDate;
  switch (event.type) {
    case 'ExtraAccepted':
      return { ...state, status: 'accepted', payablePence: event.data.amountPence, lastChangedOn: on };
    case 'ExtraDisputed':
      return { ...state, status: 'disputed', disputeReason: event.data.reason, lastChangedOn: on };
    case 'ExtraRevised':
      return { ...state, status: 'awaiting-ccg', amountPence: event.data.amountPence, lastChangedOn: on };
    case 'ExtraWithdrawn':
      return { ...state, status: 'withdrawn', lastChangedOn: on };
    case 'ExtraResolved':
      return { ...state, status: 'resolved', payablePence: event.data.agreedPence, lastChangedOn: on };
    case 'ExtraEscalated':
      return { ...state, status: 'escalated', lastChangedOn: on };
    default: {
      const _never: never = event;
      return _never;
    }
  }
};
