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

export interface SlashCommandInput {
  text: string;
  userId: string;
  channelId: string;
  teamId: string;
  responseUrl: string;
  appId?: string;
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
    trigger_id: `trigger.${Date.now()}`,
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
    trigger_id: `trigger.${Date.now()}`,
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
