import type { App } from '@slack/bolt';
import { ACTIONS, COMMAND } from '../messages/index.ts';
import type { SlackContext } from '../context.ts';
import { removeAction, trustAction } from './actions/decision.ts';
import { sharedScanCommand } from './commands/shared-scan.ts';
import { appHomeOpened } from './events/app-home.ts';

export function registerListeners(app: App, ctx: SlackContext): void {
  app.command(COMMAND, sharedScanCommand(ctx));
  app.action(ACTIONS.remove, removeAction(ctx));
  app.action(ACTIONS.trust, trustAction(ctx));
  app.event('app_home_opened', appHomeOpened(ctx)); // App Home (slackux)
}
