/** The two-person rule's refusals (core/two-person.ts `TwoPersonRefusal`) in words for whoever clicked. */
import type { TwoPersonRefusal } from '../../../core/two-person.ts';

/** The two-person rule's refusals in words for the person who clicked (plain text; escaped when shown). */
export function twoPersonRefusalText(r: TwoPersonRefusal): string {
  switch (r.code) {
    case 'unknown-finding':
      return 'That finding is unknown to shareguard; nothing was changed.';
    case 'not-open':
      return `${r.record.finding.resourceId} was already decided (${r.record.state}); nothing was changed.`;
    case 'already-requested':
      return `${r.request.action} is already awaiting a second approver (asked by ${r.request.requestedBy.userName ?? r.request.requestedBy.userId}); confirm or reject that request.`;
    case 'no-request':
      return 'There is no request awaiting a second approver here any more (someone confirmed or rejected it); nothing was changed.';
    case 'expired':
      return `That request expired at ${r.request.expiresAt}; the finding is open again. Nothing was changed.`;
    case 'own-request':
      return 'You asked for this decision: someone else must confirm it (two-person rule). Nothing was changed.';
    case 'older-request':
      return `That ${r.request.action} request was made by an older version of shareguard and cannot be carried out; it was taken off, so the finding can be decided again. Nothing was changed.`;
  }
}
