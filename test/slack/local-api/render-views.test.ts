import { describe, expect, it } from 'vitest';
import { findingMessage, homeView, reasonModal } from '../../../src/slack/messages/index.ts';
import { renderThread, renderView } from '../../../src/testing/slack-api/render-views.ts';
import { finding, record } from '../messages/fixtures.ts';

describe('terminal renderings for the demo', () => {
  it('renders a thread: the parent, then each reply under it, broadcasts marked', () => {
    const out = renderThread({ text: '✅ Scan finished: 2 untrusted shares' }, [
      { ...findingMessage(record()), reply_broadcast: true },
      findingMessage(record({}, { resourceId: 'ami-0000000000000000b' })),
    ]);
    const lines = out.split('\n');
    expect(lines[0]).toBe('✅ Scan finished: 2 untrusted shares');
    expect(lines[1]).toBe('  🧵 2 replies');
    expect(out).toMatch(/\n {2}↳ 📣 also sent to the channel · 🔎 AMI shared/);
    expect(out).toMatch(/\n {2}↳ 🔎 AMI shared/);
    expect(out).toContain('    [Remove] [Trust account');
  });

  it('renders the reason modal with its fields and buttons', () => {
    const f = finding();
    const out = renderView(
      reasonModal({
        action: 'trust',
        finding: f,
        metadata: { v: 1, action: 'trust', findingId: f.id },
        requireReason: true,
      }),
    );
    expect(out.split('\n')[0]).toMatch(/^┌─ Trust account ─+/);
    expect(out).toContain('│ Reason:');
    expect(out).toContain('│ Trust expires after (optional):');
    expect(out).toContain('│   ◉ 90 days'); // the default (issue 23)
    expect(out).toContain('│   ○ Never');
    expect(out).toContain('│   ○ 7 days');
    expect(out).toContain('│ [Cancel] [Trust]');
  });

  it('renders the App Home', () => {
    const out = renderView(
      homeView({
        viewer: { userId: 'U1', canDecide: true },
        open: [record()],
        decisions: [],
        trust: [],
        channel: 'C0SEC',
      }),
    );
    expect(out.split('\n')[0]).toMatch(/^┌─ 🏠 Home/);
    expect(out).toContain('Open findings (1)');
    expect(out).toContain('[Remove]');
    expect(out).toContain('Findings are posted in #C0SEC.');
  });
});
