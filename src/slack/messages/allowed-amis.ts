/** Allowed AMIs as the channel sees it after a scan: drift and what shareguard could not change (issue 9). */
import type { AllowedAmisReport, TargetOutcome } from '../../allowed-amis/sync.ts';
import { context, header, message, section, type SlackMessage } from './blocks.ts';
import { code, esc, packLines } from './text.ts';

const WORTH_TELLING: readonly TargetOutcome[] = [
  'drift',
  'not-set-up',
  'declarative-policy',
  'over-limit',
  'failed',
];

/** Undefined when everything is in step (nothing to say). */
export function allowedAmisMessage(report: AllowedAmisReport): SlackMessage | undefined {
  const notable = report.targets.filter((t) => WORTH_TELLING.includes(t.outcome));
  if (notable.length === 0) return undefined;
  const lines = notable.map(
    (t) =>
      `• ${code(t.accountId, 40)} ${esc(t.region, 40)}: *${esc(t.outcome, 30)}*${t.state ? ` (${esc(t.state, 30)})` : ''}` +
      (t.detail ? ` — ${esc(t.detail, 300)}` : ''),
  );
  const { chunks, omitted } = packLines(lines, { maxLines: 30, maxTotal: 6000 });
  const text = `🛂 ${report.summary}`;
  return message(text, [
    header('🛂 Allowed AMIs differ from the trust list'),
    section(esc(report.summary, 500)),
    ...chunks.map((c) => section(c)),
    ...(omitted ? [context(`…and ${omitted} more account-regions.`)] : []),
    context(
      'Drift: someone changed the settings by hand. Not set up: never configured. The next trust decision ' +
        '(or `shareguard allowed-amis apply`) puts both in step. Declarative policy: print it with ' +
        '`shareguard guard print --format declarative`.',
    ),
  ]);
}
