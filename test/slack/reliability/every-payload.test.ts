/**
 * Issue 21 D13 and D14, at the Slack boundary: a session that reaches most builders (scan progress and
 * summary, finding messages, the reason modal, its outcome, App Home, `status`, `trusted`, `help`, the
 * digest) with attacker names full of emoji shortcodes. Every payload that reached the stand-in — posts,
 * updates, ephemerals, response_url answers, views opened, updated and published — is walked: every
 * mrkdwn text object is `verbatim: true`, no plain_text turns shortcodes into emoji, and no shortcode
 * from the data survives outside a code span.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../../src/domain/finding.ts';
import { postDigest } from '../../../src/jobs/digest-job.ts';
import { ALICE, startE2E, type E2E } from '../../helpers/e2e.ts';
import { account, emptyWorld, image } from '../../helpers/world.ts';

const A = '111111111111';
const R = 'us-east-1';
const EVIL = '444444444444';
const SHOUTY = ':white_check_mark: Removed by security team :lock:';
const SKIN = 'thanks ::skin-tone-2: :+1: :aws: 10:20:30';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

type TextObject = { type: string; text: string; verbatim?: unknown; emoji?: unknown };

/** Every text object in a payload (blocks, views, attachments), wherever it sits. */
function textObjects(n: unknown, out: TextObject[] = []): TextObject[] {
  if (Array.isArray(n)) n.forEach((x) => textObjects(x, out));
  else if (n && typeof n === 'object') {
    const o = n as Record<string, unknown>;
    if ((o['type'] === 'mrkdwn' || o['type'] === 'plain_text') && typeof o['text'] === 'string')
      out.push(o as unknown as TextObject);
    Object.values(o).forEach((v) => textObjects(v, out));
  }
  return out;
}

// What Slack turns into an emoji; code spans show their text literally.
const SHORTCODE = /:[\p{L}\p{N}_+'-]+:/u;
const outsideCode = (s: string) => s.replace(/`[^`]*`/g, '');

describe('every payload shareguard sends (issue 21 D13, D14)', () => {
  it('mrkdwn is verbatim, plain text has emoji off, and shortcodes in data never render', async () => {
    const w = emptyWorld([account(A, [R])]);
    w.images.push(
      image(1, R, EVIL, [{ userId: A }], { name: SHOUTY, description: SKIN }),
      image(2, R, EVIL, [{ userId: A }], { name: SKIN, description: SHOUTY }),
    );
    e2e = await startE2E(w, { slack: { requireReason: true } });
    await e2e.command('');
    await e2e.click('remove', findingId('ami', A, R, 'ami-00000000000000001'), ALICE, undefined, {
      reason: `because ${SHOUTY}`,
    });
    await e2e.click('trust', findingId('ami', A, R, 'ami-00000000000000002'), ALICE, undefined, {
      reason: SKIN,
    });
    await e2e.openHome();
    for (const text of ['status', 'trusted', 'help']) await e2e.command(text);
    const { deps, publisher } = e2e.server.ctx;
    expect(await postDigest(deps, publisher, 'replica-a')).toBe('posted');

    const payloads: unknown[] = [
      ...e2e.slack.calls.map((c) => c.args),
      ...e2e.slack.responses.map((r) => r.payload),
    ];
    const methods = new Set(e2e.slack.calls.map((c) => c.method));
    for (const m of ['chat.postMessage', 'chat.update', 'views.open', 'views.publish'])
      expect(methods, m).toContain(m);
    expect(e2e.slack.responses.length).toBeGreaterThan(0);

    const texts = payloads.flatMap((p) => textObjects(p));
    const mrkdwn = texts.filter((t) => t.type === 'mrkdwn');
    expect(mrkdwn.length).toBeGreaterThan(20);
    // Before the fix: the reason modal's, App Home's and the ephemeral answers' text objects lacked it.
    for (const t of mrkdwn) expect(t, t.text).toMatchObject({ verbatim: true });
    for (const t of texts.filter((x) => x.type === 'plain_text')) expect(t.emoji, t.text).not.toBe(true);

    // The data reached Slack (names, descriptions, reasons) but not one shortcode of it renders.
    const all = texts.map((t) => t.text).join('\n');
    expect(all).toContain('Removed by security team');
    expect(all).toContain('skin-tone-2');
    for (const t of texts) expect(outsideCode(t.text), t.text).not.toMatch(SHORTCODE);
    const fallbacks = payloads
      .map((p) => (p as { text?: unknown }).text)
      .filter((t): t is string => typeof t === 'string');
    for (const t of fallbacks) expect(outsideCode(t), t).not.toMatch(SHORTCODE);
  }, 60_000);
});
