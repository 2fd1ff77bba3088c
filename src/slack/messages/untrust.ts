import type { UntrustResult } from '../../core/decisions.ts';
import type { SlackMessage } from './blocks.ts';

type Untrusted = Extract<UntrustResult, { status: 'done' }>;

/** What Untrust did, in words (the account id was validated as 12 digits by the command parser). */
function untrustedText(r: Untrusted): string {
  return (
    `${r.accountId} is no longer trusted; the next scan reports what it shares.` +
    (r.allowedAmisSummary ? ` ${r.allowedAmisSummary}.` : '')
  );
}

/** The reply to whoever ran `/shared-scan untrust`. */
export function untrustedReply(r: Untrusted): SlackMessage {
  return { text: `✅ ${untrustedText(r)}`, blocks: [] };
}

/** The channel's record of it. */
export function untrustedAnnouncement(r: Untrusted, userId: string): SlackMessage {
  return { text: `🛡 <@${userId}> took ${r.accountId} off the trust list: ${untrustedText(r)}`, blocks: [] };
}
