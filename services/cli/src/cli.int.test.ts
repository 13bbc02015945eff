// Issue 10: the command line as a user meets it. Every command answers --help (exit 0); a wrong one says what to run
// instead (exit 2); the token is a token and nothing else; and `pnpm ledger statement` writes the worked example's Q1
// from the log as JSON, CSV and XLSX, each adding up to £417,000.00.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, loadOrCreateDevSecret } from '@csu-ledger/auth';
import { createCommandApp } from '@csu-ledger/command-service';
import { createSqliteEventStore } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { loadDemo } from './demo.ts';
import { runLedger } from './fixtures/run-ledger.ts';
import { CONTRACT_ID } from './worked-example.ts';

const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-cli-'));
const ledger = (...args: string[]) => runLedger(dir, args);
let server: Server;

beforeAll(async () => {
  const store = createSqliteEventStore(join(dir, 'events.db'));
  const secret = await loadOrCreateDevSecret(dir);
  const app = createCommandApp({ store, verify: createTokenVerifier({ mode: 'dev', secret }), logger: createLogger('cli-test', 'silent') });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  await loadDemo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, secret);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pnpm ledger (issue 10)', () => {
  it.each(['start', 'token', 'verify', 'receipt', 'rotate-key', 'export', 'statement', 'rebuild'])('%s --help prints its usage and exits 0', async (command) => {
    const { code, stdout } = await ledger(command, '--help');
    expect(code).toBe(0);
    expect(stdout.startsWith(`Usage: pnpm ledger ${command}`)).toBe(true);
    expect(stdout).toContain('LEDGER_DATA_DIR');
  });

  it('help lists every command', async () => {
    const { code, stdout } = await ledger('help');
    expect(code).toBe(0);
    for (const c of ['start', 'token', 'verify', 'receipt', 'rotate-key', 'export', 'statement', 'rebuild']) expect(stdout).toContain(`\n  ${c}`);
  });

  it('an unknown command or a missing option exits 2 and points at the help', async () => {
    expect(await ledger('tokens')).toMatchObject({ code: 2, stderr: expect.stringContaining('Run "pnpm ledger help"') as unknown });
    expect(await ledger('token', '--role', 'ccg')).toMatchObject({ code: 2, stderr: expect.stringContaining('Run "pnpm ledger token --help"') as unknown });
  });

  it('token prints a token and nothing else', async () => {
    const { code, stdout, stderr } = await ledger('token', '--role', 'ccg', '--org', '08j', '--sub', 'tom.baker');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(stderr).toBe('');
  });
});

describe('pnpm ledger statement (issue 10)', () => {
  const args = ['statement', '--contract', CONTRACT_ID, '--quarter', '2025-26-Q1'];

  it('writes JSON by default, every line traced, adding up to N', async () => {
    const { code, stdout } = await ledger(...args);
    expect(code).toBe(0);
    const s = JSON.parse(stdout) as { period: string; status: string; ccg: { name: string }; lines: { amountPence: number | null; events: unknown[] }[]; settlement: { netPayablePence: number } };
    expect(s).toMatchObject({ period: '2025/26 Q1', status: 'open', ccg: { name: 'NHS Kingston CCG' }, settlement: { netPayablePence: 41_700_000 } });
    expect(s.lines.reduce((sum, l) => sum + (l.amountPence ?? 0), 0)).toBe(41_700_000);
  });

  it('writes CSV for any spreadsheet', async () => {
    const { code, stdout } = await ledger(...args, '--format', 'csv');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+,N,Net payable: F − W \+ G \+ X,2025\/26 Q1,,417000\.00,0\r$/m);
  });

  it('writes an XLSX workbook to a file, N as £417,000.00', async () => {
    const out = join(dir, 'q1.xlsx');
    const { code, stderr } = await ledger(...args, '--format', 'xlsx', '--out', out);
    expect(code).toBe(0);
    expect(stderr).toContain('wrote the 2025/26 Q1 statement of KIN-0AX-2025 (open)');
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out);
    let net: unknown;
    book.getWorksheet('Statement')!.eachRow((row) => {
      if (row.getCell(2).value === 'N') net = row.getCell(6).value;
    });
    expect(net).toBe(417_000);
  });

  it('refuses a quarter that is not one, naming the option', async () => {
    const { code, stderr } = await ledger('statement', '--contract', CONTRACT_ID, '--quarter', '2025-Q1');
    expect(code).toBe(2);
    expect(stderr).toContain('--quarter');
  });
});
