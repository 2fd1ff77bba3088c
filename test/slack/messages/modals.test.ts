import { describe, expect, it } from 'vitest';
import {
  decodeMetadata,
  encodeMetadata,
  EXPIRY_BLOCK,
  EXPIRY_INPUT,
  parseReasonSubmission,
  REASON_BLOCK,
  REASON_INPUT,
  reasonModal,
  twoPersonBlocks,
  DECISIONS_WITH_REASON,
} from '../../../src/slack/messages/modals.ts';
import { validateBlocks, validateView } from '../../../src/slack/messages/limits.ts';
import { allStrings, finding } from './fixtures.ts';

const hostile = finding({
  name: `<!channel> *approved by @admin* ${'x'.repeat(500)}`,
  resourceId: `ami-${'f'.repeat(17)}`,
});
const meta = (action: (typeof DECISIONS_WITH_REASON)[number]) => ({
  v: 1 as const,
  action,
  findingId: hostile.id,
  channel: 'C0SECURITY',
  ts: '1700000000.000100',
});
const values = (reason: string | null, expiry?: string) => ({
  [REASON_BLOCK]: { [REASON_INPUT]: { type: 'plain_text_input', value: reason } },
  ...(expiry
    ? { [EXPIRY_BLOCK]: { [EXPIRY_INPUT]: { type: 'radio_buttons', selected_option: { value: expiry } } } }
    : {}),
});

describe('reason modal', () => {
  for (const action of DECISIONS_WITH_REASON) {
    for (const requireReason of [true, false]) {
      it(`${action} (requireReason ${requireReason}) is a valid modal within Slack's limits`, () => {
        const view = reasonModal({ action, finding: hostile, metadata: meta(action), requireReason });
        expect(validateView(view)).toEqual([]);
        const reason = view.blocks.find((b) => b.block_id === REASON_BLOCK) as { optional?: boolean };
        expect(reason.optional).toBe(!(requireReason && action !== 'remove'));
        expect(view.blocks.some((b) => b.block_id === EXPIRY_BLOCK)).toBe(action === 'trust');
        expect(allStrings(view).join(' ')).not.toContain('<!channel>');
        expect(decodeMetadata(view.private_metadata)).toEqual({ ok: true, value: meta(action) });
      });
    }
  }

  it('Trust offers 7 / 30 / 90 days or never (default 90 days, configurable)', () => {
    const view = reasonModal({
      action: 'trust',
      finding: hostile,
      metadata: meta('trust'),
      requireReason: true,
    });
    const expiry = view.blocks.find((b) => b.block_id === EXPIRY_BLOCK);
    expect(JSON.stringify(expiry)).toMatch(/"7".*"30".*"90".*"never"/);
    expect(JSON.stringify(expiry)).toMatch(/"initial_option":\{[^}]*\},"value":"90"/);
    const never = reasonModal({
      action: 'trust',
      finding: hostile,
      metadata: meta('trust'),
      requireReason: true,
      defaultExpiry: 'never',
    });
    expect(JSON.stringify(never.blocks.find((b) => b.block_id === EXPIRY_BLOCK))).toMatch(
      /"initial_option":\{[^}]*\},"value":"never"/,
    );
  });

  it('is the confirmation: the risk, what uses it and, for Remove, the steps in order', () => {
    const f = { ...hostile, risk: 'high' as const, inUse: undefined };
    const view = reasonModal({
      action: 'remove',
      finding: f,
      metadata: meta('remove'),
      requireReason: true,
      context: { guardMode: 'off', dryRun: false },
    });
    expect(validateView(view)).toEqual([]);
    const text = allStrings(view).join(' ');
    expect(text).toContain('What happens, in order');
    expect(text).toMatch(/1\. /);
    expect(text).toContain('*high*');
    // Every mrkdwn text object is verbatim (no auto-links, no parsed mentions).
    const md = JSON.stringify(view).match(/"type":"mrkdwn"[^}]*/g) ?? [];
    expect(md.length).toBeGreaterThan(0);
    for (const m of md) expect(m).toContain('"verbatim":true');
  });

  it('requires a reason for Trust and Block, not for Remove; reads the expiry', () => {
    expect(parseReasonSubmission(values(''), 'trust', true)).toEqual({
      ok: false,
      errors: { [REASON_BLOCK]: expect.stringMatching(/why/) },
    });
    expect(parseReasonSubmission(values(null), 'block-account', true)).toMatchObject({ ok: false });
    expect(parseReasonSubmission(values(null), 'remove', true)).toEqual({ ok: true });
    expect(parseReasonSubmission(values(''), 'trust', false)).toEqual({ ok: true });
    expect(parseReasonSubmission(values('our vendor', '7'), 'trust', true)).toEqual({
      ok: true,
      reason: 'our vendor',
      expiresInDays: 7,
    });
    expect(parseReasonSubmission(values('our vendor', 'never'), 'trust', true)).toEqual({
      ok: true,
      reason: 'our vendor',
    });
    expect(parseReasonSubmission(values('ok reason', '365'), 'trust', true)).toMatchObject({
      ok: false,
      errors: { [EXPIRY_BLOCK]: expect.any(String) },
    });
    // Control characters and overlong reasons are cleaned and cut.
    const long = parseReasonSubmission(values(`a\u202eb\nc${'y'.repeat(900)}`), 'remove', true);
    expect(long.ok && long.reason!.length).toBe(500);
    expect(long.ok && long.reason).not.toMatch(/[\u202e\n]/);
    expect(parseReasonSubmission('nonsense', 'trust', true)).toMatchObject({ ok: false });
  });

  it('refuses metadata that is not ours', () => {
    for (const raw of [
      undefined,
      '',
      'x',
      '{}',
      JSON.stringify({ ...meta('trust'), findingId: 'x' }),
      'y'.repeat(3001),
    ])
      expect(decodeMetadata(raw)).toMatchObject({ ok: false });
    expect(() => encodeMetadata({ ...meta('trust'), findingId: 'not-an-id' })).toThrow();
  });
});

describe('two-person rule blocks', () => {
  it('show who asked and why, with Confirm / Reject, within limits', () => {
    for (const action of DECISIONS_WITH_REASON) {
      const blocks = twoPersonBlocks({
        action,
        finding: hostile,
        requestedBy: 'U0ALICE',
        requestedAt: '2026-12-01T10:00:00.000Z',
        reason: `<!here> ${'r'.repeat(1000)}`,
        expiresAt: '2026-12-02T10:00:00.000Z',
      });
      expect(validateBlocks(blocks)).toEqual([]);
      const text = JSON.stringify(blocks);
      expect(text).toContain('<@U0ALICE>');
      expect(text).toContain('shareguard.confirm');
      expect(text).toContain('shareguard.reject');
      expect(allStrings(blocks).join(' ')).not.toContain('<!here>');
    }
  });
});

describe('validateView', () => {
  const ok = { type: 'modal', title: { type: 'plain_text', text: 'Trust account' }, blocks: [] };
  it('flags what Slack refuses', () => {
    expect(validateView(ok)).toEqual([]);
    expect(validateView({ ...ok, title: { type: 'plain_text', text: 'x'.repeat(25) } })).toEqual([
      expect.stringMatching(/^\/view\/title\/text: 25 characters/),
    ]);
    expect(validateView({ ...ok, submit: { type: 'plain_text', text: 'y'.repeat(25) } })[0]).toMatch(
      /submit/,
    );
    expect(validateView({ ...ok, close: { type: 'mrkdwn', text: 'Close' } })[0]).toMatch(/plain_text/);
    expect(validateView({ ...ok, callback_id: 'c'.repeat(256) })[0]).toMatch(/callback_id/);
    expect(validateView({ ...ok, private_metadata: 'm'.repeat(3001) })[0]).toMatch(/private_metadata/);
    const divs = (n: number) => Array.from({ length: n }, () => ({ type: 'divider' }));
    expect(validateView({ ...ok, blocks: divs(100) })).toEqual([]);
    expect(validateView({ ...ok, blocks: divs(101) })[0]).toMatch(/101 blocks/);
    expect(validateView({ type: 'home', blocks: divs(101) })[0]).toMatch(/101 blocks/);
    expect(validateView({ type: 'home', blocks: [], submit: { type: 'plain_text', text: 'x' } })[0]).toMatch(
      /Home tab/,
    );
    expect(validateView({ type: 'modal', blocks: [] })[0]).toMatch(/title/);
    const input = {
      type: 'input',
      block_id: 'a',
      label: { type: 'plain_text', text: 'Reason' },
      element: { type: 'plain_text_input', action_id: 'x', max_length: 4000 },
    };
    const problems = validateView({ ...ok, blocks: [input] }).join('\n');
    expect(problems).toMatch(/max_length must be 1–3000/);
    expect(problems).toMatch(/needs a submit button/);
  });
});
