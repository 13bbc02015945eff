// POST /contracts/{id}/actions/{action}: one handler for every command form. It reads the form (pounds, percentages
// and dates as typed), sends the command with the user's token and an idempotency key (a double click records once),
// then redirects: to the page with a notice, or back to the form with the service's refusal as an error summary.
import type { Request, Response } from 'express';
import { formatQuarter, isQuarterId } from '@csu-ledger/domain';
import { ServiceProblem } from '../api.ts';
import { ACTIONS, actionForm, isActionName, roleMay, type ActionDef, type ActionName } from '../actions.ts';
import { readOpts, setFlash, userOf, type PageContext } from '../app.ts';
import { money } from '../format.ts';
import { errorsFromProblem, formKey, readForm, type FormSpec } from '../forms.ts';
import { keepReceipt } from '../session.ts';
import { contractPath, type ContractDetail, type Extra } from '../views.ts';
import { actionContext } from './common.ts';

const returnPath = (def: ActionDef, id: string, target: string | undefined): string => {
  switch (def.page) {
    case 'contract':
      return contractPath(id);
    case 'extras':
      return contractPath(id, '/extras');
    case 'challenges':
      return contractPath(id, '/challenges');
    case 'invoices':
      return contractPath(id, '/invoices');
    case 'settlement':
      return contractPath(id, `/settlements/${target ?? ''}`);
  }
};

const noticeText = (name: ActionName, body: Record<string, unknown>, target: string | undefined): string => {
  if (name === 'approve-settlement') return `You approved ${money(body.netPayablePence as bigint)} for ${formatQuarter(target ?? '')}.`;
  if (name === 'submit-invoice') return `Invoice ${String(body.invoiceNumber)} for ${formatQuarter(String(body.quarter))}: ${money(body.amountPence as bigint)} before VAT.`;
  const amount = body.amountPence ?? body.agreedPence ?? body.recoveredPence ?? body.valuePence;
  return typeof amount === 'bigint' ? `Amount ${money(amount)}.` : 'The ledger has recorded it.';
};

export const actionHandler = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const user = userOf(req);
  const id = String(req.params.id);
  const name = String(req.params.action);
  if (!isActionName(name)) {
    res.status(404).render('error.njk', { title: 'Page not found', message: 'There is no such action.' });
    return;
  }
  const def: ActionDef = ACTIONS[name];
  const posted = req.body as Record<string, unknown>;
  const target = typeof posted._target === 'string' && /^[A-Za-z0-9_.:-]{1,200}$/.test(posted._target) ? posted._target : undefined;
  if ((def.page === 'extras' || def.page === 'challenges' || def.page === 'invoices') && def.from && !target) {
    res.status(400).render('error.njk', { title: 'Something was missing from the form', message: 'Go back, reload the page and try again.' });
    return;
  }
  if (name === 'approve-settlement' && !(target && isQuarterId(target))) {
    res.status(400).render('error.njk', { title: 'Something was missing from the form', message: 'Go back, reload the page and try again.' });
    return;
  }
  const back = returnPath(def, id, target);
  // The form as the page drew it (its KPIs and months), so the choices are checked against the same lists.
  const contract = await ctx.api.get<ContractDetail>(user.token, contractPath(id), readOpts(req));
  // An invoice's form offers the contract's extras: read them to check the choice against the same list.
  const extras = name === 'submit-invoice' ? await ctx.api.all<Extra>(user.token, contractPath(id, '/extras'), 'extras', readOpts(req)) : [];
  const spec: FormSpec = actionForm(name, actionContext(contract, ctx.today(), extras), target);
  const anchor = `#${formKey(spec).replace(/[^A-Za-z0-9_-]/g, '-')}-form`;
  if (!roleMay(user.role, name)) {
    setFlash(req, { form: formKey(spec), errors: [{ message: 'Your role may not do this.' }] });
    res.redirect(303, back + anchor);
    return;
  }
  const form = readForm(spec, posted);
  if (form.errors.length > 0) {
    setFlash(req, { form: formKey(spec), errors: form.errors, values: form.values });
    res.redirect(303, back + anchor);
    return;
  }
  const key = typeof posted._idempotency === 'string' && /^[A-Za-z0-9_-]{16,100}$/.test(posted._idempotency) ? posted._idempotency : undefined;
  try {
    const answer = await ctx.api.post(user.token, def.path(id, target), form.body, { idempotencyKey: key });
    const position = answer.position;
    if (typeof position === 'string' && /^\d+$/.test(position)) {
      const before = req.session!.minPosition;
      if (before === undefined || BigInt(position) > BigInt(before)) req.session!.minPosition = position;
    }
    // Issue 14: the approval's receipt, for the CCG to download from the settlement page and keep with its records.
    const receipt = answer.receipt;
    if (name === 'approve-settlement' && target && receipt !== null && typeof receipt === 'object') {
      keepReceipt(req.session!, id, target, `${JSON.stringify(receipt, null, 2)}\n`);
    }
    setFlash(req, { notice: { title: def.notice, text: noticeText(name, form.body, target) } });
    res.redirect(303, back);
  } catch (err) {
    if (!(err instanceof ServiceProblem) || err.status === 401 || err.status >= 500) throw err;
    const flash = { form: formKey(spec), values: form.values, errors: errorsFromProblem(spec, err) };
    if (err.code === 'stale-settlement') {
      // The figure changed since the page was drawn: the page shows the new one and asks again.
      setFlash(req, { ...flash, staleFigure: String(form.body.netPayablePence), errors: [{ message: 'The net payable has changed since you opened this page. Check the new figure and approve again.' }] });
      res.redirect(303, back + anchor);
      return;
    }
    if (err.status === 404) flash.errors = [{ message: 'The ledger could not find this, or it belongs to another organisation.' }];
    if (err.status === 403) flash.errors = [{ message: err.detail ? `You may not do this: ${err.detail}` : 'Your role may not do this.' }];
    setFlash(req, flash);
    res.redirect(303, back + anchor);
  }
};
