// `/contracts/{id}/returns`: a CSU uploads a month's KPI returns (deliveries and measurements) as a CSV or XLSX made
// from the template it downloads here. Every line is checked and the errors shown per line before anything is
// recorded; the rows go to the command service as one command (POST /contracts/{id}/returns), which records all or
// none and names each row it refuses. The idempotency key is the file's own digest: the same file uploaded again
// records nothing more.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { isMonthId, monthsBetween } from '@csu-ledger/domain';
import { ServiceProblem } from '../api.ts';
import { setFlash, userOf, type PageContext } from '../app.ts';
import { CSRF_FIELD } from '../csrf.ts';
import { formatMonth } from '../format.ts';
import { checkFile, parseCsv, parseXlsx, templateCsv, templateXlsx, type CheckedFile, type ContractShape, type ReturnRow } from '../returns.ts';
import type { Flash } from '../session.ts';
import { contractPath, type ContractDetail } from '../views.ts';
import { actionContext, contractFrame, loadContract } from './common.ts';

/** A month's returns are a few dozen rows: a few hundred kilobytes is plenty, and bounds what the console holds. */
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const monthParam = (req: Request, months: string[], fallback: string): string => {
  const m = req.query.month;
  return typeof m === 'string' && isMonthId(m) && months.includes(m) ? m : fallback;
};

const shapeOf = (c: ContractDetail): ContractShape => ({ kpis: c.terms.kpis, firstMonth: c.firstMonth, termEndMonth: c.termEndMonth });

export const returnsPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const c = await loadContract(ctx.api, req);
  const ac = actionContext(c, ctx.today());
  const months = monthsBetween(c.firstMonth, c.termEndMonth);
  const month = monthParam(req, months, ac.month ?? c.firstMonth);
  const flash = res.locals.flash as Flash | undefined;
  const outcome = flash?.returns;
  const id = c.contractId;
  res.render('returns.njk', {
    ...contractFrame(c, 'returns', {}, req),
    month,
    months: months.map((m) => ({ value: m, text: formatMonth(m), selected: m === month })),
    templates: { csv: contractPath(id, `/returns/template.csv?month=${month}`), xlsx: contractPath(id, `/returns/template.xlsx?month=${month}`) },
    // Multipart bodies are not read by the form middleware: the CSRF token (and the month shown) travel in the address.
    uploadAction: `${contractPath(id, '/returns')}?${CSRF_FIELD}=${encodeURIComponent(req.session!.csrf)}&month=${month}`,
    mayUpload: userOf(req).role === 'csu',
    outcome,
    failed: outcome ? outcome.lines.filter((l) => l.errors.length > 0).length : 0,
  });
};

export const returnsTemplate = (ctx: PageContext, format: 'csv' | 'xlsx') => async (req: Request, res: Response): Promise<void> => {
  const c = await loadContract(ctx.api, req);
  const months = monthsBetween(c.firstMonth, c.termEndMonth);
  const month = monthParam(req, months, actionContext(c, ctx.today()).month ?? c.firstMonth);
  const name = `${c.contractId}-${month}-returns.${format}`;
  res.attachment(name);
  if (format === 'csv') res.type('text/csv; charset=utf-8').send(templateCsv(shapeOf(c), month));
  else res.type(XLSX).send(await templateXlsx(shapeOf(c), month));
};

/** The request body, up to a bound (multipart is not parsed by the form middleware). */
const readBody = (req: Request, max: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= max ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });

const fileOf = async (req: Request): Promise<{ name: string; data: Buffer } | string> => {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return 'Choose a CSV or XLSX file to upload.';
  const body = await readBody(req, MAX_UPLOAD_BYTES);
  if (!body) return 'The file is larger than 2 MB: a month of returns is much smaller. Check it is the right file.';
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    return 'The upload could not be read. Choose the file again and upload it.';
  }
  const file = form.get('returnsFile');
  if (!file || typeof file === 'string' || file.size === 0) return 'Choose a CSV or XLSX file to upload.';
  return { name: file.name, data: Buffer.from(await file.arrayBuffer()) };
};

/** The service's name for a row (`rows[3].deliveredOn`, `rows.3.kpiId`) as the index of the row sent. */
const rowIndexOf = (path: string): number | undefined => {
  const m = /^rows[.[](\d+)/.exec(path);
  return m ? Number(m[1]) : undefined;
};

export const uploadReturns = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const user = userOf(req);
  const id = String(req.params.id);
  const month = typeof req.query.month === 'string' && isMonthId(req.query.month) ? req.query.month : undefined;
  const back = `${contractPath(id, '/returns')}${month ? `?month=${month}` : ''}#outcome`;
  const c = await loadContract(ctx.api, req);
  const file = await fileOf(req);
  const outcomeOf = (name: string, checked: CheckedFile, recorded: boolean): NonNullable<Flash['returns']> => ({
    fileName: name,
    recorded,
    lines: checked.lines.map(({ line, kpiId, month, summary, errors }) => ({ line, kpiId, month, summary, errors })),
    fileErrors: checked.fileErrors,
    blank: checked.blank,
  });
  if (typeof file === 'string') {
    setFlash(req, { returns: { fileName: '', recorded: false, lines: [], fileErrors: [file], blank: 0 } });
    res.redirect(303, back);
    return;
  }
  const isXlsx = file.data.subarray(0, 2).toString('latin1') === 'PK';
  let table: string[][];
  try {
    table = isXlsx ? await parseXlsx(file.data) : parseCsv(file.data.toString('utf8'));
  } catch {
    setFlash(req, { returns: { fileName: file.name, recorded: false, lines: [], fileErrors: ['The file could not be read as a spreadsheet. Save it as CSV or XLSX from the template and upload it again.'], blank: 0 } });
    res.redirect(303, back);
    return;
  }
  const checked = checkFile(table, shapeOf(c));
  const bad = checked.fileErrors.length > 0 || checked.lines.some((l) => l.errors.length > 0);
  if (bad) {
    setFlash(req, { returns: outcomeOf(file.name, checked, false) });
    res.redirect(303, back);
    return;
  }
  const sent = checked.lines.filter((l): l is typeof l & { row: ReturnRow } => l.row !== undefined);
  // The file's digest is the key: the same file again is the same request, which the service answers once.
  const key = createHash('sha256').update(c.contractId).update('\u0000').update(file.data).digest('hex');
  try {
    const answer = await ctx.api.post(user.token, contractPath(c.contractId, '/returns'), { rows: sent.map((l) => l.row) }, { idempotencyKey: key });
    if (typeof answer.position === 'string' && /^\d+$/.test(answer.position)) {
      const before = req.session!.minPosition;
      if (before === undefined || BigInt(answer.position) > BigInt(before)) req.session!.minPosition = answer.position;
    }
    setFlash(req, {
      returns: outcomeOf(file.name, checked, true),
      notice: { title: 'Returns recorded', text: `${sent.length} row${sent.length === 1 ? '' : 's'} from ${file.name}. Uploading the same file again records nothing more.` },
    });
  } catch (err) {
    if (!(err instanceof ServiceProblem) || err.status === 401 || err.status >= 500) throw err;
    // The service refused: nothing was recorded. Each refusal goes on its line; anything else on the file.
    const fileErrors: string[] = [];
    const problems = err.errors.length > 0 ? err.errors : [{ path: err.field ?? '', message: err.detail ?? err.title }];
    for (const p of problems) {
      const i = rowIndexOf(p.path);
      const line = i === undefined ? undefined : sent[i];
      if (line) line.errors.push(p.message.charAt(0).toUpperCase() + p.message.slice(1));
      else fileErrors.push(err.status === 403 ? `You may not record returns: ${err.detail ?? 'your role may not do this'}` : (err.detail ?? err.title));
    }
    checked.fileErrors.push(...new Set(fileErrors));
    setFlash(req, { returns: outcomeOf(file.name, checked, false) });
  }
  res.redirect(303, back);
};
