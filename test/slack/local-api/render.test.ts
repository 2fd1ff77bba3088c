import { describe, expect, it } from 'vitest';
import {
  button,
  findingMessage,
  helpMessage,
  ownerMessage,
  section,
} from '../../../src/slack/messages/index.ts';
import { renderMessage, renderMrkdwn, renderText } from '../../../src/testing/slack-api/render.ts';
import { OWNER, record } from '../messages/fixtures.ts';

describe('renderText', () => {
  it('renders a finding readably: header, fields, context, buttons', () => {
    const out = renderText(findingMessage(record({}, { name: '<!channel> & co' })).blocks);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`🔎 AMI shared by untrusted account ${OWNER}`); // unranked: no alarm
    expect(lines[1]).toMatch(/^═+$/);
    expect(out).toContain('*AMI* `ami-0123456789abcdef0` “<!channel> & co”');
    expect(out).toContain(`  Owner: \`${OWNER}\``);
    expect(out).toContain('  Shared into: prod `111122223333` · us-east-1');
    expect(out).toContain('  Created: 2024-03-01');
    expect(out).toContain('First seen 2025-01-10 08:00 UTC');
    expect(lines.at(-1)).toBe(`[Remove] [Trust account ${OWNER}] [Block account ${OWNER}]`);
  });

  it('puts accessory buttons after their section line', () => {
    const out = renderText([section('`ami-1`', button({ text: 'Remove', actionId: 'x', value: 'v' }))]);
    expect(out).toMatch(/`ami-1`.*\[Remove\]/);
  });

  it('renders selects with their placeholder', () => {
    const m = ownerMessage(
      OWNER,
      Array.from({ length: 45 }, (_, i) => record({}, { resourceId: `ami-${i}` })),
      () => ({ guardMode: 'off', dryRun: false }),
    );
    expect(renderText(m.blocks)).toContain('[Review 45 findings] [Review page… ▾] [Trust account');
  });

  it('resolves mrkdwn tokens and decodes entities last', () => {
    expect(
      renderMrkdwn(
        '<@U1> at <!date^1735734896^{date_short_pretty} {time}|2025-01-01 12:34 UTC> in <#C1|sec>',
      ),
    ).toBe('@U1 at 2025-01-01 12:34 UTC in #sec');
    expect(renderMrkdwn('<https://x.example|docs> <!subteam^S1> <!here>')).toBe(
      'docs (https://x.example) @S1 @here',
    );
    expect(renderMrkdwn('&lt;@U1&gt; &amp;lt;')).toBe('<@U1> &lt;');
  });

  it('wraps, indents, skips unknown blocks, and falls back to text', () => {
    const out = renderText(helpMessage().blocks, { width: 60, indent: '  ' });
    for (const l of out.split('\n')) expect(l.length).toBeLessThanOrEqual(62);
    expect(out.startsWith('  ')).toBe(true);
    expect(renderText([{ type: 'mystery' }, null, 'x', { type: 'divider' }])).toBe('─'.repeat(40));
    expect(renderMessage({ text: 'plain &amp; simple' })).toBe('plain & simple');
  });
});
