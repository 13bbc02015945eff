// The what-if preview on a settlement page (issue 11): "if this disputed extra were resolved at £x and this open
// challenge recovered £y, N would be £z". The form is a GET (it records nothing): one pounds field per open extra
// and per open challenge, named `extra:<id>` and `challenge:<id>`; a field left empty assumes nothing. The figures
// come from the query service's what-if, which applies the domain's own rules; here only what was typed is read.
import { CHALLENGE_CATEGORIES } from './actions.ts';
import { date, money, parsePounds } from './format.ts';
import type { FormError } from './session.ts';
import type { Challenge, Extra } from './views.ts';

export interface WhatIfChoice {
  kind: 'extra' | 'challenge';
  id: string;
  /** The input's name and id on the page. */
  name: string;
  domId: string;
  label: string;
  hint: string;
  /** The most that may be assumed: the amount claimed, or the value challenged. */
  maxPence: bigint;
  /** What was typed, shown again. */
  value: string;
}

export interface WhatIfForm {
  choices: WhatIfChoice[];
  /** `id:pence,…` for the query service, per kind; empty when nothing is assumed of that kind. */
  extras: string;
  challenges: string;
  errors: FormError[];
  /** The assumptions in words, for the answer's sentence. */
  assumed: { label: string; pence: bigint; kind: 'extra' | 'challenge' }[];
  /** Whether the form was sent (the page then shows the answer or the errors). */
  asked: boolean;
}

const OPEN_EXTRA = new Set(['awaiting-ccg', 'disputed', 'escalated']);
const OPEN_CHALLENGE = new Set(['raised', 'responded', 'escalated']);
const SAFE_ID = /^[A-Za-z0-9._-]{1,100}$/;

const categoryText = (v: string): string => CHALLENGE_CATEGORIES.find((c) => c.value === v)?.text ?? v;

const domIdOf = (kind: string, i: number) => `whatif-${kind}-${i + 1}`;

/**
 * The open extras and challenges a quarter's what-if may assume resolved: those raised by the quarter's last day
 * (the ones its settlement lists as still open), with what the user typed for each.
 */
export const readWhatIf = (
  query: Record<string, unknown>,
  extras: Extra[],
  challenges: Challenge[],
  lastDay: string,
): WhatIfForm => {
  const typed = (name: string): string => {
    const v = query[name];
    return typeof v === 'string' ? v.trim() : '';
  };
  const choices: WhatIfChoice[] = [
    ...extras
      .filter((x) => OPEN_EXTRA.has(x.status) && x.raisedOn <= lastDay && SAFE_ID.test(x.extraId))
      .map((x, i): WhatIfChoice => ({
        kind: 'extra',
        id: x.extraId,
        name: `extra:${x.extraId}`,
        domId: domIdOf('extra', i),
        label: `Extra: ${x.description}`,
        hint: `${x.status === 'awaiting-ccg' ? 'Awaiting the CCG' : x.status === 'disputed' ? 'Disputed' : 'Escalated'}; claimed ${money(x.amountPence)}. Agreed at, in pounds:`,
        maxPence: x.amountPence,
        value: typed(`extra:${x.extraId}`),
      })),
    ...challenges
      .filter((c) => OPEN_CHALLENGE.has(c.status) && c.raisedOn <= lastDay && SAFE_ID.test(c.challengeId))
      .map((c, i): WhatIfChoice => ({
        kind: 'challenge',
        id: c.challengeId,
        name: `challenge:${c.challengeId}`,
        domId: domIdOf('challenge', i),
        label: `Challenge: ${c.trustName ?? c.trust}, ${categoryText(c.category)}, raised ${date(c.raisedOn)}`,
        hint: `${c.status === 'raised' ? 'Awaiting the trust' : c.status === 'responded' ? 'The trust has responded' : 'Escalated'}; ${money(c.valuePence)} challenged. Recovered, in pounds:`,
        maxPence: c.valuePence,
        value: typed(`challenge:${c.challengeId}`),
      })),
  ];
  const errors: FormError[] = [];
  const parts = { extra: [] as string[], challenge: [] as string[] };
  const assumed: WhatIfForm['assumed'] = [];
  for (const c of choices) {
    if (c.value === '') continue;
    const pence = parsePounds(c.value);
    if (pence === undefined) {
      errors.push({ field: c.domId, message: `${c.label}: enter an amount in pounds and pence, like 2,000.00` });
      continue;
    }
    if (pence > c.maxPence) {
      errors.push({ field: c.domId, message: `${c.label}: ${money(pence)} is more than the ${money(c.maxPence)} ${c.kind === 'extra' ? 'claimed' : 'challenged'}` });
      continue;
    }
    parts[c.kind].push(`${c.id}:${pence}`);
    assumed.push({ label: c.label, pence, kind: c.kind });
  }
  const asked = query.whatIf === 'yes';
  if (asked && errors.length === 0 && assumed.length === 0) {
    errors.push({ field: choices[0]?.domId, message: 'Enter at least one amount to see what the net payable would be' });
  }
  return { choices, extras: parts.extra.join(','), challenges: parts.challenge.join(','), errors, assumed, asked };
};

/** Where a refusal of the query service that names an extra's or challenge's id belongs on the form. */
export const fieldOfRefusal = (form: WhatIfForm, detail: string | undefined): string | undefined =>
  form.choices.find((c) => detail?.includes(c.id))?.domId ?? form.choices.find((c) => c.value !== '')?.domId;
