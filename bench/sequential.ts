/**
 * The straightforward alternative to shareguard's scan: the same AwsClients and the same per-kind
 * listing code, but one call at a time in one loop (account → regions → kinds → pages).
 */
import { AwsClients } from '../src/aws/clients.ts';
import { KINDS } from '../src/aws/kinds/index.ts';
import { regionsFor } from '../src/aws/targets.ts';
import { loadConfig } from '../src/config/load.ts';
import type { Finding } from '../src/domain/finding.ts';
import { judgeOwner } from '../src/domain/trust.ts';
import { awsSettingsFromConfig, scanRequestFromConfig } from '../src/scan/from-config.ts';

export interface SequentialResult {
  wallMs: number;
  findings: string[];
  trustedSkipped: number;
}

export async function sequentialScan(
  configFile: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<SequentialResult> {
  const config = await loadConfig({ file: configFile, env: {} });
  const request = scanRequestFromConfig(config);
  // One socket: nothing runs in parallel.
  const clients = new AwsClients({ ...awsSettingsFromConfig(config, credentials), maxSockets: 1 });
  const t0 = performance.now();
  const all: Finding[] = [];
  try {
    for (const account of request.accounts) {
      const regions = await regionsFor(clients, account, request.regions);
      for (const region of regions) {
        const ec2 = clients.ec2(account, region);
        const rds = clients.rds(account, region);
        const ctx = { account, region, ec2: () => ec2, rds: () => rds };
        for (const kind of request.kinds) for (const f of await KINDS[kind].list(ctx)) all.push(f);
        clients.release(account.id, region);
      }
    }
  } finally {
    clients.destroy();
  }
  // The scan's own rule (scan/scan.ts): findings of trusted owners are counted, not kept.
  const untrusted = all.filter((f) => !judgeOwner(request.trust, f.ownerAccountId).trusted);
  const trustedSkipped = all.length - untrusted.length;
  return { wallMs: performance.now() - t0, findings: untrusted.map((f) => f.id), trustedSkipped };
}
