import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findingId, type Finding } from '../../src/domain/finding.ts';
import {
  formatScanReport,
  formatSummary,
  formatTable,
  MAX_COLUMN_WIDTH,
  writeScanJson,
} from '../../src/scan/report.ts';
import type { ScanResult } from '../../src/scan/scan.ts';
import { terminalSafe } from '../../src/terminal.ts';
import { scanWorld, startSim } from '../helpers/scan.ts';
import { account, emptyWorld, image, snapshot } from '../helpers/world.ts';

function finding(i: number, name?: string): Finding {
  return {
    id: findingId('ami', '111111111111', 'us-east-1', `ami-${i}`),
    kind: 'ami',
    accountId: '111111111111',
    region: 'us-east-1',
    resourceId: `ami-${i}`,
    resourceArn: `arn:aws:ec2:us-east-1::image/ami-${i}`,
    ownerAccountId: '444444444444',
    sharedVia: 'account',
    ...(name !== undefined ? { name } : {}),
  };
}

function result(findings: Finding[]): ScanResult {
  return {
    findings,
    targets: [{ accountId: '111111111111', region: 'us-east-1', status: 'ok' }],
    summary: {
      findings: findings.length,
      trustedSkipped: 0,
      targetsScanned: 1,
      targetsFailed: 0,
      accountsScanned: 1,
      accountsWithFindings: 1,
    },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
  };
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

describe('the human table is not a terminal-control channel (issue 8 item 11)', () => {
  it.each([
    ['clear screen', 'x\x1b[2Jy', 'x\\x1b[2Jy'],
    ['window title', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['carriage return', 'good\rEVIL', 'good\\rEVIL'],
    ['backspace', 'abc\b\b\bxyz', 'abc\\b\\b\\bxyz'],
    ['newline (a forged row)', 'a\nami-fake  444', 'a\\nami-fake  444'],
    ['right-to-left override', 'exe.\u202etxt', 'exe.\\u202etxt'],
    ['zero-width space', 'ad\u200bmin', 'ad\\u200bmin'],
    ['C1 CSI', 'a\u009b2Jb', 'a\\x9b2Jb'],
    ['a backslash stays unambiguous', 'a\\x1b', 'a\\\\x1b'],
  ])('%s', (_label, name, shown) => {
    const table = formatTable([finding(1, name)]);
    expect(table.split('\n')).toHaveLength(2);
    for (const line of table.split('\n')) expect(line).not.toMatch(RAW_CONTROL);
    expect(table).toContain(shown);
    expect(terminalSafe(name)).toBe(shown);
  });

  it('caps every column with an ellipsis (a 5,000-character name)', () => {
    const table = formatTable([finding(1, 'n'.repeat(5000)), finding(2, 'short')]);
    const widths = table.split('\n').map((l) => l.length);
    expect(Math.max(...widths)).toBeLessThan(9 * (MAX_COLUMN_WIDTH + 2));
    expect(table).toContain(`${'n'.repeat(MAX_COLUMN_WIDTH - 1)}…`);
  });

  it('escapes failure messages too', () => {
    const r = result([]);
    r.targets.push({
      accountId: '222222222222',
      region: 'us-east-1',
      status: 'region-failed',
      failures: [{ kind: 'ami', error: 'Boom\x1b[2J\nrow' }],
    });
    r.summary.targetsFailed = 1;
    const out = formatScanReport(r);
    expect(out).not.toContain(String.fromCharCode(0x1b));
    expect(out).toContain('Boom\\x1b[2J\\nrow');
  });
});

describe('200,000 findings (issue 8 item 12)', () => {
  const many = Array.from({ length: 200_000 }, (_, i) => finding(i, `image-${i}`));

  it('renders the table (no Math.max(...rows) stack overflow)', () => {
    const table = formatTable(many);
    expect(table.split('\n')).toHaveLength(200_001);
  });

  it('streams --json through backpressure without piling up listeners', async () => {
    let maxListeners = 0;
    let bytes = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        maxListeners = Math.max(maxListeners, out.listenerCount('error'), out.listenerCount('drain'));
        setImmediate(done);
      },
    });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await writeScanJson(result(many), out);
    } finally {
      process.off('warning', onWarning);
    }
    expect(bytes).toBeGreaterThan(200_000 * 100);
    expect(maxListeners).toBeLessThanOrEqual(2);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('the summary counts accounts, not account-kinds (issue 8 item 8)', () => {
  it('an account whose snapshot listing fails but whose AMIs were listed counts once', async () => {
    const R = 'us-east-1';
    const A = '111111111111';
    const B = '222222222222';
    const world = emptyWorld([account(A, [R]), account(B, [R])]);
    world.images.push(
      image(1, R, '444444444444', [{ userId: A }]),
      image(2, R, '444444444444', [{ userId: B }]),
    );
    world.snapshots.push(snapshot(1, R, '444444444444', [A]));
    const sim = await startSim(world);
    try {
      sim.faults.add({
        action: 'DescribeSnapshots',
        account: A,
        code: 'UnauthorizedOperation',
        status: 403,
        times: 10,
      });
      const r = await scanWorld(sim, { accounts: [A, B], regions: [R], maxAttempts: 1 });
      expect(r.summary.accountsWithFindings).toBe(2);
      expect(r.summary.accountsScanned).toBe(2);
      expect(formatSummary(r)).toMatch(/in 2 of 2 accounts/);
    } finally {
      await sim.stop();
    }
  });
});
