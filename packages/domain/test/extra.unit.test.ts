import { describe, it } from 'vitest';
import { decideExtra, type ExtraCommand } from '../src/extra/decide.ts';
import { evolveExtra, initialExtraState, type ExtraState } from '../src/extra/model.ts';
import type { ExtraEvent } from '../src/events.ts';
import { deciderSpec } from './spec.ts';
import { TODAY } from './fixtures.ts';

const given = deciderSpec<ExtraCommand, ExtraEvent, ExtraState>({ decide: decideExtra, evolve: evolveExtra, initialState: initialExtraState });
const ids = { extraId: 'KIN-2025.extra-0123456789ab', contractId: 'KIN-2025' };
const on = (businessDate: string) => ({ ...ids, businessDate });
const raised: ExtraEvent = {
  type: 'ExtraRaised',
  data: { ...on('2025-05-01'), amountPence: 1_850_000, description: 'Ad hoc data extract', serviceLine: 'business-intelligence', requestedBy: 'J. Smith' },
};
const disputed: ExtraEvent = { type: 'ExtraDisputed', data: { ...on('2025-05-10'), reason: 'covered-by-core-offer', detail: undefined } };
const escalated: ExtraEvent = { type: 'ExtraEscalated', data: { ...on('2025-05-20'), detail: undefined } };
const accepted: ExtraEvent = { type: 'ExtraAccepted', data: { ...on('2025-05-10'), amountPence: 1_850_000 } };
const withdrawn: ExtraEvent = { type: 'ExtraWithdrawn', data: on('2025-05-10') };
const resolved: ExtraEvent = { type: 'ExtraResolved', data: { ...on('2025-06-01'), agreedPence: 900_000 } };
const revised: ExtraEvent = { type: 'ExtraRevised', data: { ...on('2025-05-12'), amountPence: 1_200_000, detail: undefined } };

const d = { businessDate: '2025-06-01', today: TODAY };
const commands: Record<string, ExtraCommand> = {
  accept: { type: 'AcceptExtra', ...d },
  dispute: { type: 'DisputeExtra', reason: 'not-requested', ...d },
  revise: { type: 'ReviseExtra', amountPence: 1_000_000, ...d },
  withdraw: { type: 'WithdrawExtra', ...d },
  resolve: { type: 'ResolveExtra', agreedPence: 900_000, ...d },
  escalate: { type: 'EscalateExtra', ...d },
};
const histories: Record<string, ExtraEvent[]> = {
  'awaiting-ccg': [raised],
  'awaiting-ccg after revision': [raised, disputed, revised],
  disputed: [raised, disputed],
  escalated: [raised, disputed, escalated],
  accepted: [raised, accepted],
  resolved: [raised, disputed, resolved],
  withdrawn: [raised, withdrawn],
};
// DOMAIN.md: Extras. Every state × every command: allowed exactly where the transition exists.
const allowed: Record<string, string[]> = {
  'awaiting-ccg': ['accept', 'dispute', 'withdraw'],
  'awaiting-ccg after revision': ['accept', 'dispute', 'withdraw'],
  disputed: ['revise', 'withdraw', 'resolve', 'escalate'],
  escalated: ['resolve', 'withdraw'],
  accepted: [],
  resolved: [],
  withdrawn: [],
};

describe('extra transitions', () => {
  for (const [state, history] of Object.entries(histories)) {
    for (const [name, cmd] of Object.entries(commands)) {
      const ok = allowed[state]!.includes(name);
      it(`${name} when ${state}: ${ok ? 'allowed' : 'refused'}`, () => {
        const spec = given(history).when(cmd);
        if (!ok) return spec.thenRefuses('transition-not-allowed');
        const data = on('2025-06-01');
        const expected: Record<string, ExtraEvent> = {
          accept: { type: 'ExtraAccepted', data: { ...data, amountPence: state.includes('revision') ? 1_200_000 : 1_850_000 } },
          dispute: { type: 'ExtraDisputed', data: { ...data, reason: 'not-requested', detail: undefined } },
          revise: { type: 'ExtraRevised', data: { ...data, amountPence: 1_000_000, detail: undefined } },
          withdraw: { type: 'ExtraWithdrawn', data },
          resolve: { type: 'ExtraResolved', data: { ...data, agreedPence: 900_000 } },
          escalate: { type: 'ExtraEscalated', data: { ...data, detail: undefined } },
        };
        spec.then([expected[name]!]);
      });
    }
  }
});

describe('RaiseExtra and amounts', () => {
  const raise = {
    type: 'RaiseExtra' as const,
    ...(raised.data),
    contractFrom: '2025-04-01',
    today: TODAY,
  };
  it('raises an extra', () => given([]).when(raise).then([raised]));
  it('refuses raising twice', () => given([raised]).when(raise).thenRefuses('already-exists', 'extraId'));
  it('refuses a zero amount', () => given([]).when({ ...raise, amountPence: 0 }).thenRefuses('invalid-input', 'amountPence'));
  it('refuses fractional pence', () => given([]).when({ ...raise, amountPence: 10.5 }).thenRefuses('invalid-input', 'amountPence'));
  it('refuses a future date', () => given([]).when({ ...raise, businessDate: '2030-01-01' }).thenRefuses('business-date-in-future', 'businessDate'));
  it('refuses an extra dated before the contract starts', () =>
    given([]).when({ ...raise, businessDate: '2025-03-31' }).thenRefuses('invalid-input', 'businessDate'));
  it('refuses commands on an unknown extra', () => given([]).when(commands.accept!).thenRefuses('not-found'));
  it('resolves at zero', () =>
    given([raised, disputed]).when({ type: 'ResolveExtra', agreedPence: 0, ...d }).then([{ type: 'ExtraResolved', data: { ...on('2025-06-01'), agreedPence: 0 } }]));
  it('refuses an agreed amount above the claim', () =>
    given([raised, disputed]).when({ type: 'ResolveExtra', agreedPence: 1_850_001, ...d }).thenRefuses('amount-exceeds-claim', 'agreedPence'));
  it('refuses a revision to zero', () => given([raised, disputed]).when({ type: 'ReviseExtra', amountPence: 0, ...d }).thenRefuses('invalid-input', 'amountPence'));
  it('refuses a date before the last change', () =>
    given([raised, disputed]).when({ type: 'ResolveExtra', agreedPence: 1, businessDate: '2025-05-09', today: TODAY }).thenRefuses('invalid-input', 'businessDate'));
});
