import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findingId, type Finding } from '../../src/domain/finding.ts';
import { scanResultJson, writeScanJson } from '../../src/scan/report.ts';
import type { ScanResult } from '../../src/scan/scan.ts';

function result(n: number): ScanResult {
  const findings: Finding[] = Array.from({ length: n }, (_, i) => ({
    id: findingId('ami', '111111111111', 'us-east-1', `ami-${i}`),
    kind: 'ami',
    accountId: '111111111111',
    region: 'us-east-1',
    resourceId: `ami-${i}`,
    resourceArn: `arn:aws:ec2:us-east-1::image/ami-${i}`,
    ownerAccountId: '444444444444',
    sharedVia: 'account',
    name: `name "quoted" \n ${i}`,
  }));
  return {
    findings,
    targets: [{ accountId: '111111111111', region: 'us-east-1', status: 'ok' }],
    summary: {
      findings: n,
      trustedSkipped: 2,
      targetsScanned: 1,
      targetsFailed: 0,
      accountsScanned: 1,
      accountsWithFindings: n ? 1 : 0,
    },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
  };
}

async function written(r: ScanResult): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  await writeScanJson(r, out);
  return text;
}

describe('--json output', () => {
  it.each([0, 1, 1234])('streams the same document as JSON.stringify for %i findings', async (n) => {
    const r = result(n);
    expect(JSON.parse(await written(r))).toEqual(JSON.parse(JSON.stringify(scanResultJson(r))));
  });
});
