import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, LogLevel } from '@slack/bolt';
import { startLocalSlackApi, type LocalSlackApi } from '../../../src/testing/slack-api/index.ts';

let api: LocalSlackApi;
beforeAll(async () => {
  api = await startLocalSlackApi();
});
afterAll(() => api.close());

describe('a Bolt App pointed at the local API', () => {
  it('passes its auth.test and posts through app.client', async () => {
    const app = new App({
      token: 'xoxb-local',
      signingSecret: 'local-secret',
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: api.apiUrl, retryConfig: { retries: 0 } },
    });
    await app.client.chat.postMessage({ channel: 'C0BOLT', text: 'hello from bolt' });
    expect(api.callsOf('auth.test').length).toBeGreaterThanOrEqual(1);
    expect(api.messages('C0BOLT').map((m) => m.text)).toEqual(['hello from bolt']);
  });
});
