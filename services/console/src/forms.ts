// Forms as data: each command form is a list of fields that one template macro renders with the design system's
// components (labels, hints, error messages, date inputs) and one reader turns into a command body. Users type
// pounds, percentages and dates as people write them; the services receive pence, basis points and YYYY-MM-DD.
import { dateFields, dateFromFields, parsePercent, parsePounds, readableDates } from './format.ts';
import type { FieldProblem } from './api.ts';
import type { FormError } from './session.ts';

export type FieldKind = 'text' | 'textarea' | 'select' | 'radios' | 'date' | 'pounds' | 'percent' | 'integer' | 'hidden';

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  hint?: string;
  options?: { value: string; text: string }[];
  optional?: boolean;
  /** Pre-filled value (a date field takes YYYY-MM-DD). */
  value?: string;
  /** CSS width class for text inputs, e.g. nhsuk-input--width-10. */
  width?: string;
}

export interface FormSpec {
  /** The action's name, e.g. `dispute-extra`. */
  action: string;
  /** The extra's or challenge's id the action is about, if any. */
  target?: string;
  title: string;
  submit: string;
  /** Where the form posts. */
  url: string;
  fields: FieldSpec[];
  warning?: boolean;
  /** Short text shown above the fields. */
  lead?: string;
}

/** The key that ties flashed errors and values to one form instance on a page. */
export const formKey = (f: { action: string; target?: string | undefined }): string => (f.target ? `${f.action}:${f.target}` : f.action);

/** An id unique on the page for a field of this form instance. */
export const fieldId = (f: { action: string; target?: string | undefined }, name: string): string =>
  `${formKey(f).replace(/[^A-Za-z0-9_-]/g, '-')}-${name}`;

/** The id an error links to: a date input's day field, else the input itself. */
export const errorTarget = (form: FormSpec | { action: string; target?: string }, field: FieldSpec | undefined, name: string): string =>
  `${fieldId(form, name)}${field?.kind === 'date' ? '-day' : ''}`;

export interface ReadForm {
  values: Record<string, string>;
  errors: FormError[];
  body: Record<string, unknown>;
}

/** `Month delivered for` → `month delivered for`, but `KPI` stays `KPI`. */
const lowerFirst = (s: string): string => (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

const text = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');

/**
 * The submitted fields of a form: what was typed (to show again after an error), what is wrong with it before any
 * service is asked, and the command body. Money `amount` is sent as `amountPence`, a percentage `achieved` as
 * `achievedBp`, a date's three fields as one YYYY-MM-DD.
 */
export const readForm = (spec: FormSpec, posted: Record<string, unknown>): ReadForm => {
  const values: Record<string, string> = {};
  const errors: FormError[] = [];
  const body: Record<string, unknown> = {};
  const wrong = (f: FieldSpec, message: string) => errors.push({ field: errorTarget(spec, f, f.name), message });
  for (const f of spec.fields) {
    if (f.kind === 'date') {
      // The design system's date input names its fields `deliveredOn[day]`, `deliveredOn[month]`, `deliveredOn[year]`.
      const [d, m, y] = ['day', 'month', 'year'].map((p) => text(posted[`${f.name}[${p}]`]).trim());
      values[`${f.name}-day`] = d!;
      values[`${f.name}-month`] = m!;
      values[`${f.name}-year`] = y!;
      if (!d && !m && !y) {
        if (!f.optional) wrong(f, `Enter a date for ‘${f.label}’, like 15 5 2025`);
        continue;
      }
      const iso = dateFromFields(d, m, y);
      if (iso === undefined) wrong(f, `${f.label} must be a real date, like 15 5 2025`);
      else body[f.name] = iso;
      continue;
    }
    const raw = text(posted[f.name]).trim();
    values[f.name] = raw;
    if (raw === '') {
      if (!f.optional) wrong(f, f.kind === 'select' || f.kind === 'radios' ? `Select ${lowerFirst(f.label)}` : `Enter ${lowerFirst(f.label)}`);
      continue;
    }
    switch (f.kind) {
      case 'pounds': {
        const pence = parsePounds(raw);
        if (pence === undefined) wrong(f, `${f.label} must be an amount in pounds and pence, like 18,500.00`);
        else body[`${f.name}Pence`] = pence;
        break;
      }
      case 'percent': {
        const bp = parsePercent(raw);
        if (bp === undefined) wrong(f, `${f.label} must be a percentage from 0 to 100, like 96.5`);
        else body[`${f.name}Bp`] = bp;
        break;
      }
      case 'integer': {
        if (!/^\d{1,9}$/.test(raw)) wrong(f, `${f.label} must be a whole number, like 120`);
        else body[f.name] = Number(raw);
        break;
      }
      case 'hidden':
        // The figure an approver saw travels as digits, kept exact (pence may pass 2^53 in a sum).
        body[f.name] = f.name.endsWith('Pence') && /^\d+$/.test(raw) ? BigInt(raw) : raw;
        break;
      case 'select':
      case 'radios':
        if (f.options && !f.options.some((o) => o.value === raw)) wrong(f, `Select ${lowerFirst(f.label)} from the list`);
        else body[f.name] = raw;
        break;
      case 'text':
      case 'textarea':
        if (raw.length > 2000) wrong(f, `${f.label} must be 2,000 characters or fewer`);
        else body[f.name] = raw;
        break;
    }
  }
  return { values, errors, body };
};

/** Refusals that name no field (409s) but are about one: where the summary links to. */
const FIELD_OF_CODE: Record<string, string> = {
  'quarter-closed': 'month',
  'outside-term': 'month',
  'nothing-to-reject': 'month',
  'unknown-kpi': 'kpiId',
  'wrong-kpi-kind': 'kpiId',
  'amount-exceeds-claim': 'agreed',
  'amount-exceeds-challenge': 'recovered',
  'business-date-in-future': 'businessDate',
  'term-ended': 'businessDate',
};

/** A service's field path (`amountPence`, `achievedBp`, `deliveredOn`) as this form's field name, if it has one. */
const fieldOfPath = (spec: FormSpec, path: string): FieldSpec | undefined => {
  const top = path.split(/[.[]/)[0] ?? path;
  const name = top.replace(/(Pence|Bp)$/, '');
  return spec.fields.find((f) => f.name === name || f.name === top);
};

/** A service's refusal as errors on this form: each field problem on its field, else the whole refusal. */
export const errorsFromProblem = (
  spec: FormSpec,
  p: { code: string; detail?: string | undefined; title: string; errors: FieldProblem[]; field?: string | undefined },
): FormError[] => {
  const link = (name: string | undefined) => {
    const f = name === undefined ? undefined : spec.fields.find((x) => x.name === name);
    return f && f.kind !== 'hidden' ? errorTarget(spec, f, f.name) : undefined;
  };
  if (p.errors.length > 0) {
    return p.errors.map((e) => {
      const f = fieldOfPath(spec, e.path);
      const message = `${f && f.kind !== 'hidden' ? f.label : e.path}: ${readableDates(e.message)}`;
      return { field: f ? link(f.name) : undefined, message };
    });
  }
  const message = sentence(p.detail ?? p.title);
  // The refusal's own `field` when it names one of this form's fields, else the usual field of its code.
  const named = p.field === undefined ? undefined : fieldOfPath(spec, p.field);
  return [{ field: link(named && named.kind !== 'hidden' ? named.name : FIELD_OF_CODE[p.code]), message }];
};

const sentence = (s: string): string => (s ? readableDates(s.charAt(0).toUpperCase() + s.slice(1)) : s);

/** A field's view for the template: its id, value (typed, else pre-filled) and error. */
export const fieldView = (spec: FormSpec, f: FieldSpec, flashed: { values?: Record<string, string>; errors?: FormError[] } | undefined) => {
  const id = fieldId(spec, f.name);
  const target = errorTarget(spec, f, f.name);
  const error = flashed?.errors?.find((e) => e.field === target)?.message;
  if (f.kind === 'date') {
    const pre = dateFields(f.value);
    const v = flashed?.values;
    return {
      ...f,
      id,
      error,
      day: v?.[`${f.name}-day`] ?? pre.day,
      month: v?.[`${f.name}-month`] ?? pre.month,
      year: v?.[`${f.name}-year`] ?? pre.year,
    };
  }
  // A hidden field is the page's own figure (e.g. the net payable shown), never what an earlier attempt posted.
  const current = f.kind === 'hidden' ? (f.value ?? '') : (flashed?.values?.[f.name] ?? f.value ?? '');
  return { ...f, id, error, current };
};

/** The form as the template renders it, with this request's flashed errors and values when they are its own. */
export const formView = (spec: FormSpec, flash: { form?: string; values?: Record<string, string>; errors?: FormError[] } | undefined, idempotencyKey: string) => {
  const mine = flash?.form === formKey(spec) ? flash : undefined;
  return {
    ...spec,
    key: formKey(spec),
    domId: fieldId(spec, 'form'),
    idempotencyKey,
    open: mine !== undefined,
    errors: mine?.errors ?? [],
    fields: spec.fields.map((f) => fieldView(spec, f, mine)),
  };
};
