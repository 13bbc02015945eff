import { describe, expect, it } from 'vitest';
import { HttpError, problemBody, STATUS_BY_CODE, titleFor } from './problem.ts';
import { createLogger } from './logger.ts';

describe('STATUS_BY_CODE', () => {
  it('maps bad input to 400 and rule refusals to 409', () => {
    expect(STATUS_BY_CODE['invalid-input']).toBe(400);
    expect(STATUS_BY_CODE['unknown-kpi']).toBe(400);
    expect(STATUS_BY_CODE['wrong-kpi-kind']).toBe(400);
    expect(STATUS_BY_CODE['transition-not-allowed']).toBe(409);
    expect(STATUS_BY_CODE['stale-settlement']).toBe(409);
    expect(STATUS_BY_CODE['not-found']).toBe(404);
    expect(STATUS_BY_CODE['precondition-failed']).toBe(412);
  });

  it('holds only error statuses', () => {
    for (const status of Object.values(STATUS_BY_CODE)) expect(status).toBeGreaterThanOrEqual(400);
  });
});

describe('problemBody', () => {
  it('builds an RFC 9457 body whose extensions cannot overwrite the standard members', () => {
    const body = problemBody(400, 'validation-failed', 'Validation failed', 'bad', {
      errors: [{ path: 'kpiId', message: 'required' }],
      status: 200,
    });
    expect(body).toEqual({
      type: 'https://csu-ledger.nhs.example/problems/validation-failed',
      title: 'Validation failed',
      status: 400,
      detail: 'bad',
      code: 'validation-failed',
      errors: [{ path: 'kpiId', message: 'required' }],
    });
  });

  it('titles a code', () => {
    expect(titleFor('quarter-closed')).toBe('Quarter closed');
  });
});

describe('HttpError', () => {
  it('takes its status from the table unless told otherwise', () => {
    expect(new HttpError('forbidden').status).toBe(403);
    expect(new HttpError('not-ready', 'wait', { status: 504 }).status).toBe(504);
  });
});

describe('createLogger', () => {
  it('redacts tokens, secrets, passwords, cookies and authorization headers', () => {
    const lines: string[] = [];
    const log = createLogger('t', 'info', { write: (l: string) => void lines.push(l) });
    log.info({
      req: { headers: { authorization: 'Bearer AAA', cookie: 'sid=BBB' } },
      headers: { cookie: 'sid=CCC', authorization: 'Bearer DDD' },
      config: { secret: 'EEE', password: 'FFF' },
      auth: { token: 'GGG' },
      token: 'HHH',
    });
    const [line] = lines;
    for (const s of ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH']) expect(line).not.toContain(s);
  });
});
