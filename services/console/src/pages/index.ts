// The console's pages (paths pinned by issue 11) and the one POST route for every command form.
import { Router } from 'express';
import { page, type PageContext } from '../app.ts';
import { actionHandler } from './actions.ts';
import { breakClausePage } from './break-clause.ts';
import { contractPage } from './contract.ts';
import { invoicesPage, paymentPerformancePage, reconciliationPage } from './finance.ts';
import { historyPage, timeTravelPicker, verifyAgain } from './history.ts';
import { homePage } from './home.ts';
import { challengesPage, extrasPage } from './lists.ts';
import { organisationPage } from './organisation.ts';
import { returnsPage, returnsTemplate, uploadReturns } from './returns.ts';
import { settlementPage, statementDownload } from './settlement.ts';

export const pageRoutes = (ctx: PageContext): Router => {
  const r = Router();
  r.get('/', page(homePage(ctx)));
  r.get('/contracts/:id', page(contractPage(ctx)));
  r.get('/contracts/:id/extras', page(extrasPage(ctx)));
  r.get('/contracts/:id/challenges', page(challengesPage(ctx)));
  r.get('/contracts/:id/settlements/:quarter', page(settlementPage(ctx)));
  r.get('/contracts/:id/settlements/:quarter/statement.csv', page(statementDownload(ctx, 'csv')));
  r.get('/contracts/:id/settlements/:quarter/statement.xlsx', page(statementDownload(ctx, 'xlsx')));
  r.get('/contracts/:id/settlements/:quarter/reconciliation', page(reconciliationPage(ctx)));
  r.get('/contracts/:id/invoices', page(invoicesPage(ctx)));
  r.get('/contracts/:id/returns', page(returnsPage(ctx)));
  r.get('/contracts/:id/returns/template.csv', page(returnsTemplate(ctx, 'csv')));
  r.get('/contracts/:id/returns/template.xlsx', page(returnsTemplate(ctx, 'xlsx')));
  r.post('/contracts/:id/returns', page(uploadReturns(ctx)));
  r.get('/contracts/:id/break-clause', page(breakClausePage(ctx)));
  r.get('/contracts/:id/history', page(historyPage(ctx)));
  r.get('/contracts/:id/time-travel', timeTravelPicker(ctx));
  r.post('/contracts/:id/history/verify', page(verifyAgain(ctx)));
  r.post('/contracts/:id/actions/:action', page(actionHandler(ctx)));
  r.get('/organisations/:code', page(organisationPage(ctx)));
  r.get('/organisations/:code/payment-performance', page(paymentPerformancePage(ctx)));
  return r;
};
