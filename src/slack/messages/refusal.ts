/**
 * Typed refusals from core (src/domain/intent.ts `Refusal`) in words: mentions as `<@U…>`, dates as
 * Slack dates, AWS strings escaped — each once, here (issue 8 item 8).
 */
import type { Refusal } from '../../domain/intent.ts';
import { message, section, type SlackMessage } from './blocks.ts';
import { code, esc, slackDate, who } from './text.ts';
import { blockRefusalText } from './guard.ts';

/** The refusal as mrkdwn (data escaped; mentions and dates are Slack markup). */
export function refusalText(r: Refusal): string {
  switch (r.code) {
    case 'unknown-finding':
      return 'That finding is unknown to shareguard; nothing was changed.';
    case 'not-monitored':
      return `Account ${code(r.accountId, 40)} is no longer monitored, so shareguard has no role to act with; nothing was changed.`;
    case 'nothing-applies':
      return `No removal step applies to ${code(r.resourceId, 200)}; nothing was changed.`;
    case 'no-owner-role':
      return `shareguard has no role in the owner account ${code(r.ownerAccountId, 40)}, so it cannot act at the source; nothing was changed.`;
    case 'not-authorized':
      return `${esc(r.reason, 400)}; nothing was changed.`;
    case 'trusted-by-config':
      return `${code(r.accountId, 40)} is trusted by shareguard's configuration file; remove it there.`;
    case 'not-trusted':
      return `${code(r.accountId, 40)} is not on the trust list.`;
    case 'already-decided':
      return alreadyDecidedText(r);
    case 'block-refused':
      return `${blockRefusalText(r.reason, r.ownerAccountId)}; nothing was changed.`;
    case 'not-blocked':
      return `${code(r.resourceId, 200)} is not blocked; nothing was changed.`;
  }
}

function alreadyDecidedText(r: Extract<Refusal, { code: 'already-decided' }>): string {
  const by = r.by ? ` by ${who(r.by)} ${slackDate(r.at)}` : '';
  const res = code(r.resourceId, 200);
  const owner = code(r.ownerAccountId, 40);
  switch (r.state) {
    case 'removing':
      return `Removal of ${res} is already under way${by}.`;
    case 'removed':
      return `${res} was already removed${by}.`;
    case 'trusted':
      return `The owner ${owner} was already trusted${by}.`;
    case 'resolved':
      return `${res} is no longer shared with ${code(r.accountId, 40)}; nothing to do.`;
    case 'owner-only':
    case 'recorded':
      return `Remove was already decided${by}; only the owner ${owner} can unshare it.`;
    case 'revoked':
      return `The share of ${res} was already revoked at the source${by}.`;
    case 'deleted':
      return `${res} was already deleted at the source${by}.`;
    case 'blocked':
      return `${res} is already blocked${by}.`;
    case 'open':
      return `${res} is open: use Remove first.`;
    default:
      return `${res} is ${esc(r.state, 40)}.`;
  }
}

export function typedRefusalMessage(r: Refusal): SlackMessage {
  const text = `🚫 ${refusalText(r)}`;
  return message(text, [section(text)]);
}
