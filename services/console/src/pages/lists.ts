// `/contracts/{id}/extras` and `/contracts/{id}/challenges`: each list with filters, the forms of every transition
// the signed-in role may make in each item's state, overdue challenges highlighted, and a pipeline chart.
import type { Request, Response } from 'express';
import { sumPence } from '@csu-ledger/domain';
import { actionForm, CHALLENGE_CATEGORIES, DISPUTE_REASONS, roleMay, transitionsFor } from '../actions.ts';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { pipelineChart } from '../charts.ts';
import { formView } from '../forms.ts';
import { randomToken, type Flash } from '../session.ts';
import { contractPath, type Challenge, type Extra } from '../views.ts';
import { actionContext, contractFrame, loadContract } from './common.ts';

const label = (list: { value: string; text: string }[], v: string | null) => list.find((x) => x.value === v)?.text ?? v ?? '';

const EXTRA_STATUSES = ['awaiting-ccg', 'disputed', 'escalated', 'accepted', 'resolved', 'withdrawn'] as const;
const CHALLENGE_STATUSES = ['raised', 'responded', 'escalated', 'resolved', 'queried', 'withdrawn'] as const;
const OPEN_EXTRA = new Set(['awaiting-ccg', 'disputed', 'escalated']);
const OPEN_CHALLENGE = new Set(['raised', 'responded', 'escalated']);

const filterValue = (req: Request, name: string, allowed: readonly string[]): string =>
  typeof req.query[name] === 'string' && allowed.includes(req.query[name]) ? req.query[name] : '';

export const extrasPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const { token, role } = userOf(req);
  const c = await loadContract(ctx.api, req);
  const extras = await ctx.api.all<Extra>(token, contractPath(c.contractId, '/extras'), 'extras', readOpts(req));
  extras.sort((a, b) => (a.raisedOn < b.raisedOn ? 1 : a.raisedOn > b.raisedOn ? -1 : 0));
  const status = filterValue(req, 'status', ['open', ...EXTRA_STATUSES]);
  const shown = extras.filter((x) => !status || x.status === status || (status === 'open' && OPEN_EXTRA.has(x.status)));
  const flash = res.locals.flash as Flash | undefined;
  const ac = actionContext(c, ctx.today());
  const rows = shown.map((x) => ({
    ...x,
    reason: label(DISPUTE_REASONS, x.disputeReason),
    forms: transitionsFor('extra', x, role).map((a) => formView(actionForm(a, ac, x.extraId), flash, randomToken())),
  }));
  const count = (pred: (x: Extra) => boolean) => extras.filter(pred);
  const stage = (text: string, xs: Extra[], value: (x: Extra) => bigint) => ({ label: text, count: xs.length, valuePence: sumPence(xs.map(value)) });
  const stages = [
    stage('Raised', extras, (x) => x.originalPence),
    stage('Awaiting the CCG', count((x) => x.status === 'awaiting-ccg'), (x) => x.amountPence),
    stage('Disputed', count((x) => x.status === 'disputed'), (x) => x.amountPence),
    stage('Escalated', count((x) => x.status === 'escalated'), (x) => x.amountPence),
    stage('Agreed (payable)', count((x) => x.status === 'accepted' || x.status === 'resolved'), (x) => x.payablePence ?? 0n),
    stage('Withdrawn', count((x) => x.status === 'withdrawn'), (x) => x.amountPence),
  ];
  res.render('extras.njk', {
    ...contractFrame(c, 'extras', {}, req),
    rows,
    total: extras.length,
    status,
    statuses: [
      { value: '', text: 'All' },
      { value: 'open', text: 'Open (awaiting, disputed or escalated)' },
      ...EXTRA_STATUSES.map((s) => ({ value: s, text: s === 'awaiting-ccg' ? 'Awaiting the CCG' : s.charAt(0).toUpperCase() + s.slice(1) })),
    ],
    stages,
    chart: pipelineChart('extras-pipeline', 'Extras by stage: how many and how much', stages),
    raiseForm: roleMay(role, 'raise-extra') ? formView(actionForm('raise-extra', ac), flash, randomToken()) : undefined,
  });
};

export const challengesPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const { token, role } = userOf(req);
  const c = await loadContract(ctx.api, req);
  const challenges = await ctx.api.all<Challenge>(token, contractPath(c.contractId, '/challenges'), 'challenges', readOpts(req));
  challenges.sort((a, b) => (a.raisedOn < b.raisedOn ? 1 : a.raisedOn > b.raisedOn ? -1 : 0));
  const status = filterValue(req, 'status', ['open', ...CHALLENGE_STATUSES]);
  const overdueOnly = req.query.overdue === 'yes';
  const category = filterValue(req, 'category', CHALLENGE_CATEGORIES.map((x) => x.value));
  const shown = challenges.filter(
    (x) => (!status || x.status === status || (status === 'open' && OPEN_CHALLENGE.has(x.status))) && (!overdueOnly || x.overdue) && (!category || x.category === category),
  );
  const flash = res.locals.flash as Flash | undefined;
  const ac = actionContext(c, ctx.today());
  const rows = shown.map((x) => ({
    ...x,
    categoryText: label(CHALLENGE_CATEGORIES, x.category),
    forms: transitionsFor('challenge', x, role).map((a) => formView(actionForm(a, ac, x.challengeId), flash, randomToken())),
  }));
  const stage = (text: string, xs: Challenge[], value: (x: Challenge) => bigint) => ({ label: text, count: xs.length, valuePence: sumPence(xs.map(value)) });
  const responded = challenges.filter((x) => x.acceptedPence !== null);
  const stages = [
    stage('Raised', challenges, (x) => x.valuePence),
    stage('Trust responded', responded, (x) => x.acceptedPence ?? 0n),
    stage('Escalated', challenges.filter((x) => x.status === 'escalated'), (x) => x.valuePence),
    stage('Resolved (recovered)', challenges.filter((x) => x.status === 'resolved'), (x) => x.recoveredPence ?? 0n),
    // Issue 13: a recovery CCG finance queries is out of V and G until it confirms it.
    stage('Recovery queried', challenges.filter((x) => x.status === 'queried'), (x) => x.recoveredPence ?? 0n),
  ];
  res.render('challenges.njk', {
    ...contractFrame(c, 'challenges', {}, req),
    rows,
    total: challenges.length,
    overdueCount: challenges.filter((x) => x.overdue).length,
    status,
    overdueOnly,
    category,
    categories: [{ value: '', text: 'All categories' }, ...CHALLENGE_CATEGORIES],
    statuses: [{ value: '', text: 'All' }, { value: 'open', text: 'Open (raised, responded or escalated)' }, ...CHALLENGE_STATUSES.map((s) => ({ value: s, text: s.charAt(0).toUpperCase() + s.slice(1) }))],
    stages,
    chart: pipelineChart('challenges-pipeline', 'Challenges by stage: how many and how much', stages),
    raiseForm: roleMay(role, 'raise-challenge') ? formView(actionForm('raise-challenge', ac), flash, randomToken()) : undefined,
  });
};
