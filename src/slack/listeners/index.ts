import type { App } from '@slack/bolt';
import { ACTIONS, COMMAND } from '../messages/index.ts';
import type { SlackContext } from '../context.ts';
import { deleteAtSourceAction, removeAction, revokeOrgShareAction, trustAction } from './actions/decision.ts';
import { BLOCK_ACCOUNT_ACTION, blockAccountAction } from './actions/block-account.ts';
import { unblockAction } from './actions/unblock.ts';
import { REASON_CALLBACK, TWO_PERSON_ACTIONS } from '../messages/modals.ts';
import { reasonSubmitted } from './views/reason.ts';
import { confirmAction, rejectAction } from './views/two-person.ts';
import { sharedScanCommand } from './commands/shared-scan.ts';
import { registerUnhandled } from './unhandled.ts';
import { appHomeOpened } from './events/app-home.ts';
import { REVIEW_ACTION_PATTERN, reviewAction } from './actions/review.ts';

export function registerListeners(app: App, ctx: SlackContext): void {
  app.command(COMMAND, sharedScanCommand(ctx));
  app.action(ACTIONS.remove, removeAction(ctx));
  app.action(ACTIONS.trust, trustAction(ctx));
  app.action(ACTIONS.deleteAtSource, deleteAtSourceAction(ctx));
  app.action(ACTIONS.revokeOrgShare, revokeOrgShareAction(ctx));
  app.action(BLOCK_ACCOUNT_ACTION, blockAccountAction(ctx));
  app.action(ACTIONS.unblock, unblockAction(ctx));
  app.view(REASON_CALLBACK, reasonSubmitted(ctx)); // reasons and expiry (issue 10 item 2)
  app.action(TWO_PERSON_ACTIONS.confirm, confirmAction(ctx)); // two-person rule (item 5)
  app.action(TWO_PERSON_ACTIONS.reject, rejectAction(ctx));
  app.event('app_home_opened', appHomeOpened(ctx)); // App Home (slackux)
  app.action(REVIEW_ACTION_PATTERN, reviewAction(ctx)); // owner-first triage: Review, filters, pages (issue 23)
  registerUnhandled(app, ctx); // last: only what no listener above takes
}
