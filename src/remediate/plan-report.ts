/** `shareguard remediate --plan`: the ladder each open finding would walk, in words; changes nothing. */
import type { Config } from '../config/schema.ts';
import { sharedViaWords } from '../domain/finding.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';
import { applicableRungs, planWords, remediationContext } from './registry.ts';

import { clean } from '../slack/messages/text.ts';

/** Terminal-safe: attacker-controlled names never carry control characters or bidi tricks to the terminal. */
const safe = (s: string) => clean(s);

export function formatRemediationPlan(config: Config, records: readonly FindingRecord[]): string {
  if (records.length === 0) return 'No open findings: nothing to remediate.';
  const out: string[] = [];
  for (const r of records) {
    const f = r.finding;
    const ctx = remediationContext(config, f);
    out.push(
      `${f.kind} ${safe(f.resourceId)}${f.name ? ` "${safe(f.name)}"` : ''} from ${f.ownerAccountId} → ${f.accountId} ${f.region}`,
      `  shared ${sharedViaWords(f.sharedVia)}; owner side: ${ctx.owner ? `role in ${ctx.owner.id}` : 'no role (not a monitored account)'}; guard: ${ctx.guardMode}${ctx.dryRun ? '; dry run' : ''}`,
      ...planWords('remove', f, ctx).map((l) => `  Remove: ${l}`),
    );
    if (applicableRungs('delete-at-source', f, ctx).length)
      out.push(...planWords('delete-at-source', f, ctx).map((l) => `  Delete at source (own button): ${l}`));
    out.push('');
  }
  return out.join('\n').trimEnd();
}
