import { afterEach, describe, expect, it } from 'vitest';
import { esc, reasonText } from '../../../src/slack/messages/text.ts';
import { CHANNEL, startE2E, type E2E } from '../../helpers/e2e.ts';
import { account, emptyWorld, image } from '../../helpers/world.ts';

/** What an attacker can put in an AMI name, description or tag. */
const HOSTILE: Array<[string, string]> = [
  ['bare URL', 'see https://evil.example/login now'],
  ['bare domain', 'evil.example.com'],
  ['fake approval', '*approved by @admin*'],
  ['italic and strike', '_urgent_ ~ignore~ this'],
  ['backticks', '```rm -rf /``` and `code`'],
  ['channel ping', '<!channel> <!here> <!everyone> @here'],
  ['user mention', '<@U0ADMIN> said ok'],
  ['labelled link', '<http://x|y> <https://evil.example|https://aws.amazon.com>'],
  ['pre-escaped entity', '&lt;@U0ADMIN&gt; &amp;'],
  ['subteam and date', '<!subteam^S123> <!date^0^{date}|x> <#C0SECURITY>'],
  ['bidi override', 'gnp.\u202eexe'],
  ['zero width', 'ad\u200bmin\u2060\ufeff'],
  ['newlines and quote', 'ok\n> quoted\r\n*bold*'],
  ['very long', `${'A'.repeat(5000)}*`],
  ['emoji shortcodes', ':white_check_mark: Removed by security team :lock:'],
  ['skin tone and custom emoji', '::skin-tone-2: :+1: :aws: 10:20:30'],
];

describe('attacker text stays literal text (issue 8 item 7)', () => {
  it.each(HOSTILE)('%s', (_label, s) => {
    const out = esc(s, 300);
    expect(out).not.toMatch(/[<>*`~]/);
    expect(out).not.toMatch(/(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])/u);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/);
    expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    expect(out).not.toMatch(/:[\p{L}\p{N}_+'-]+:/u); // issue 21 D14: no emoji shortcode renders
    expect(out.length).toBeLessThanOrEqual(300 * 5);
  });

  it('refusal texts are rendered once: mentions stay mentions, times become Slack dates', () => {
    const out = reasonText('ami-1 was already removed by <@U0ALICE> at 2026-12-01T07:23:39.879Z.');
    expect(out).toBe(
      'ami-1 was already removed by <@U0ALICE> at <!date^1796109819^{date_short_pretty} {time}|2026-12-01 07:23 UTC>.',
    );
    expect(reasonText('x <@not a user> <!channel> *y*')).toBe(
      'x &lt;@not a user&gt; &lt;!channel&gt; \u2217y\u2217',
    );
  });
});

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

describe('posted findings with hostile names (end to end)', () => {
  it('every post has unfurls off, every mrkdwn text is verbatim, and nothing hostile renders', async () => {
    const A = '111111111111';
    const R = 'us-east-1';
    const w = emptyWorld([account(A, [R])]);
    HOSTILE.forEach(([, s], i) =>
      w.images.push(
        image(i + 1, R, '444444444444', [{ userId: A }], { name: s.slice(0, 128), description: s }),
      ),
    );
    e2e = await startE2E(w, { maxMessagesPerScan: 50 });
    await e2e.command('');
    const posts = e2e.slack.callsOf('chat.postMessage');
    // The scan's message, then one message per hostile image (within the budget of 50).
    expect(posts).toHaveLength(HOSTILE.length + 1);
    for (const c of posts) expect(c.args).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });
    const mrkdwn: Array<{ text: string; verbatim?: unknown }> = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== 'object') return;
      const o = n as Record<string, unknown>;
      if (o['type'] === 'mrkdwn') mrkdwn.push(o as { text: string; verbatim?: unknown });
      Object.values(o).forEach(walk);
    };
    for (const c of [...posts, ...e2e.slack.callsOf('chat.update')]) walk(c.args['blocks']);
    expect(mrkdwn.length).toBeGreaterThanOrEqual(posts.length); // every message has mrkdwn text
    for (const t of mrkdwn) expect(t.verbatim).toBe(true);
    const all = mrkdwn.map((t) => t.text).join('\n');
    expect(all).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U0ADMIN>|<http|<!subteam|<#C0SECURITY>/);
    expect(all).not.toContain('*approved by');
    expect(all).not.toContain('```');
    expect(all).not.toMatch(/\u202e|\u200b/);
    expect(e2e.slack.messages(CHANNEL)).toHaveLength(HOSTILE.length + 1);
  });
});
