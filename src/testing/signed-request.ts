import { createHmac } from 'node:crypto';

/**
 * Signs and sends a request the way Slack does (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`).
 * Used by the demo's terminal stand-in, the tests and the benchmarks to drive the real Bolt app.
 */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function sendSigned(
  url: string,
  secret: string,
  form: Record<string, string>,
  options: { timestamp?: number; signature?: string } = {},
): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(secret, timestamp, body),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** Events API deliveries are JSON, signed the same way. */
export async function sendSignedJson(
  url: string,
  secret: string,
  payload: Record<string, unknown>,
  options: { timestamp?: number } = {},
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(secret, timestamp, body),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** An `event_callback` carrying `app_home_opened` for the Home tab, as Slack delivers it over HTTP. */
export function appHomeOpenedEvent(c: {
  userId: string;
  teamId: string;
  appId?: string;
}): Record<string, unknown> {
  const now = Date.now() / 1000;
  return {
    token: 'unused',
    team_id: c.teamId,
    api_app_id: c.appId ?? 'A0SHAREGUARD',
    type: 'event_callback',
    event_id: `Ev${Math.floor(now * 1000)}`,
    event_time: Math.floor(now),
    event: { type: 'app_home_opened', user: c.userId, channel: 'D0HOME', tab: 'home', event_ts: String(now) },
  };
}

/** A `view_submission` form (the `view` from the local stand-in's `views.submitted`). */
export function viewSubmissionForm(c: {
  userId: string;
  teamId: string;
  view: Record<string, unknown>;
  appId?: string;
}): Record<string, string> {
  const payload = {
    type: 'view_submission',
    team: { id: c.teamId, domain: 'example' },
    user: { id: c.userId, username: c.userId.toLowerCase(), name: c.userId.toLowerCase(), team_id: c.teamId },
    api_app_id: c.appId ?? 'A0SHAREGUARD',
    token: 'unused',
    trigger_id: `submit.${Date.now()}`,
    view: c.view,
    response_urls: [],
    is_enterprise_install: false,
  };
  return { payload: JSON.stringify(payload) };
}

export interface SlashCommandInput {
  text: string;
  userId: string;
  channelId: string;
  teamId: string;
  responseUrl: string;
  appId?: string;
  /** From the local stand-in (`views.issueTrigger`) when the command may open a modal. */
  triggerId?: string;
}

export function slashCommandForm(c: SlashCommandInput): Record<string, string> {
  return {
    token: 'unused',
    command: '/shared-scan',
    text: c.text,
    user_id: c.userId,
    user_name: c.userId.toLowerCase(),
    team_id: c.teamId,
    channel_id: c.channelId,
    response_url: c.responseUrl,
    trigger_id: c.triggerId ?? `trigger.${Date.now()}`,
    ...(c.appId ? { api_app_id: c.appId } : {}),
  };
}

export interface ButtonClickInput {
  actionId: string;
  value: string;
  userId: string;
  teamId: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
  appId?: string;
  /** From the local stand-in (`views.issueTrigger`) so the click can open a modal. */
  triggerId?: string;
}

export function buttonClickForm(c: ButtonClickInput): Record<string, string> {
  const payload = {
    type: 'block_actions',
    api_app_id: c.appId ?? 'A0SHAREGUARD',
    team: { id: c.teamId, domain: 'example' },
    user: { id: c.userId, username: c.userId.toLowerCase(), team_id: c.teamId },
    channel: { id: c.channelId, name: 'security' },
    container: { type: 'message', message_ts: c.messageTs, channel_id: c.channelId, is_ephemeral: false },
    message: { ts: c.messageTs, type: 'message', text: '' },
    trigger_id: c.triggerId ?? `trigger.${Date.now()}`,
    response_url: c.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: c.actionId,
        block_id: 'b',
        value: c.value,
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return { payload: JSON.stringify(payload) };
}

export interface ViewActionInput {
  actionId: string;
  /** A button's value, or the chosen option's value of a select (`selected: true`). */
  value: string;
  selected?: boolean;
  userId: string;
  teamId: string;
  /** The view the control is in (modal or Home tab), as the local stand-in stores it. */
  view: { id: string; type: string; hash?: string; callback_id?: string; private_metadata?: string };
  appId?: string;
  triggerId?: string;
}

/**
 * A `block_actions` payload from a control inside a view (a modal or the Home tab): no channel, no
 * response_url, the view's id, hash and private_metadata, as Slack sends it.
 */
export function viewActionForm(c: ViewActionInput): Record<string, string> {
  return actionForm(c, {
    container: { type: 'view', view_id: c.view.id },
    view: c.view,
  });
}

export interface MessageSelectInput {
  actionId: string;
  value: string;
  userId: string;
  teamId: string;
  channelId: string;
  messageTs: string;
  appId?: string;
  triggerId?: string;
}

/** A `block_actions` payload for an option chosen in a message's static select. */
export function messageSelectForm(c: MessageSelectInput): Record<string, string> {
  return actionForm(
    { ...c, selected: true },
    {
      channel: { id: c.channelId, name: 'security' },
      container: { type: 'message', message_ts: c.messageTs, channel_id: c.channelId, is_ephemeral: false },
      message: { ts: c.messageTs, type: 'message', text: '' },
    },
  );
}

function actionForm(
  c: {
    actionId: string;
    value: string;
    selected?: boolean;
    userId: string;
    teamId: string;
    appId?: string;
    triggerId?: string;
  },
  where: Record<string, unknown>,
): Record<string, string> {
  const action = c.selected
    ? {
        type: 'static_select',
        action_id: c.actionId,
        block_id: 'b',
        selected_option: { text: { type: 'plain_text', text: c.value }, value: c.value },
        action_ts: String(Date.now() / 1000),
      }
    : {
        type: 'button',
        action_id: c.actionId,
        block_id: 'b',
        value: c.value,
        action_ts: String(Date.now() / 1000),
      };
  const payload = {
    type: 'block_actions',
    api_app_id: c.appId ?? 'A0SHAREGUARD',
    team: { id: c.teamId, domain: 'example' },
    user: { id: c.userId, username: c.userId.toLowerCase(), team_id: c.teamId },
    trigger_id: c.triggerId ?? `trigger.${Date.now()}`,
    ...where,
    actions: [action],
  };
  return { payload: JSON.stringify(payload) };
}
