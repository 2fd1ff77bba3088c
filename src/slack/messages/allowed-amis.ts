/**
 * Allowed AMIs as the channel sees it after a scan (issues 9, 23): a reply in the scan's thread, never a
 * top-level message of its own. The summary counts every outcome ("897 in step, 1 failed"); only the
 * account-regions that need someone to act are listed one by one.
 */
import type { AllowedAmisReport, AllowedAmisTarget, TargetOutcome } from '../../allowed-amis/sync.ts';
import { context, message, section, type SlackMessage } from './blocks.ts';
import { code, esc, packLines, plural } from './text.ts';

/** Outcomes someone has to act on, per account-region: put in step, set up, or fix the failure. */
const NEEDS_ACTION: readonly TargetOutcome[] = ['drift', 'not-set-up', 'failed'];

/**
 * The thread reply after a scan; undefined when nothing needs action (every account-region in step,
 * or managed by a declarative policy, which shareguard leaves alone and counts in the summary).
 */
export function allowedAmisMessage(report: AllowedAmisReport): SlackMessage | undefined {
  const listed = report.targets.filter((t) => NEEDS_ACTION.includes(t.outcome));
  // Over the limits, every account-region has the same reason: one line, not one per account-region.
  const overLimit = report.targets.filter((t) => t.outcome === 'over-limit');
  if (listed.length === 0 && overLimit.length === 0) return undefined;
  const lines = listed.map(targetLine);
  const { chunks, omitted } = packLines(lines, { maxLines: 30, maxTotal: 6000 });
  const text = `🛂 ${report.summary}`;
  return message(text, [
    section(`🛂 *${esc(report.summary, 500)}*`),
    ...(listed.length
      ? [
          context(
            `${plural(listed.length, 'account-region')} ${listed.length === 1 ? 'needs' : 'need'} action:`,
          ),
        ]
      : []),
    ...chunks.map((c) => section(c)),
    ...(omitted ? [context(`…and ${plural(omitted, 'more account-region')}.`)] : []),
    ...(overLimit.length
      ? [
          section(
            `*Not changed in ${plural(overLimit.length, 'account-region')}:* ${esc(overLimit[0]!.detail, 600)}`,
          ),
        ]
      : []),
    context(
      'Drift: someone changed the settings by hand. Not set up: never configured. The next trust decision ' +
        '(or `shareguard allowed-amis apply`) puts both in step. Declarative policy: print it with ' +
        '`shareguard guard print --format declarative`.',
    ),
  ]);
}

function targetLine(t: AllowedAmisTarget): string {
  return (
    `• ${code(t.accountId, 40)} ${esc(t.region, 40)}: *${esc(t.outcome, 30)}*${t.state ? ` (${esc(t.state, 30)})` : ''}` +
    (t.detail ? ` — ${esc(t.detail, 300)}` : '')
  );
}
