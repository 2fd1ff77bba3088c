import type { App } from '@slack/bolt';
import { ACTIONS } from '../messages/index.ts';
import { BLOCK_ACCOUNT_ACTION } from '../messages/guard.ts';
import { TWO_PERSON_ACTIONS } from '../messages/modals.ts';
import type { SlackContext } from '../context.ts';
import { REVIEW_ACTION_PATTERN } from './actions/review.ts';

/**
 * Interactive payloads nobody listens to (a shortcut added in the app settings, a button from an older
 * or newer version of shareguard) are acked and logged: unacked, Slack shows the user an error after
 * 3 s and, in Socket Mode, redelivers. Registered after the real listeners; action ids in `ACTIONS`
 * are theirs, so adding an action there keeps it out of this catch-all.
 */
export function registerUnhandled(app: App, ctx: SlackContext): void {
  const known = (id: string) =>
    id === BLOCK_ACCOUNT_ACTION ||
    (Object.values(ACTIONS) as string[]).includes(id) ||
    REVIEW_ACTION_PATTERN.test(id) ||
    // Confirm / Reject ack only once the step is written (views/two-person.ts): not before, here.
    (Object.values(TWO_PERSON_ACTIONS) as string[]).includes(id);
  app.action({ action_id: /^/ }, async ({ ack, action, body }) => {
    const id = 'action_id' in action ? String(action.action_id) : '(none)';
    if (known(id)) return; // its own listener acks it
    await ack();
    ctx.deps.log.warn({ actionId: id, user: body.user?.id, type: body.type }, 'unhandled action acked');
  });
  app.shortcut(/^/, async ({ ack, shortcut }) => {
    await ack();
    ctx.deps.log.warn(
      { callbackId: shortcut.callback_id, user: shortcut.user.id, type: shortcut.type },
      'unhandled shortcut acked',
    );
  });
}
