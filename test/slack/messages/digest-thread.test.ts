import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../src/domain/lifecycle.ts';
import { digestThread } from '../../../src/slack/messages/digest.ts';
import { validateBlocks } from '../../../src/slack/messages/limits.ts';
import { record } from './fixtures.ts';

describe('digestThread', () => {
  it('one parent and bounded replies, every message valid, the rest counted', () => {
    const open = Array.from({ length: 5000 }, (_, i) =>
      record(
        {},
        {
          resourceId: `ami-${String(i).padStart(17, '0')}`,
          name: `${'<!channel> '.repeat(20)}${i}`,
          ...({ risk: i % 10 === 0 ? 'critical' : 'low' } as object),
        },
      ),
    );
    const decisions: DecisionRecord[] = Array.from({ length: 500 }, (_, i) => ({
      decisionId: `d${i}`,
      action: 'trust',
      ownerAccountId: String(300000000000 + i),
      by: { userId: 'U0ALICE' },
      at: '2026-12-01T10:00:00.000Z',
      outcome: 'succeeded',
    }));
    const { parent, replies } = digestThread({
      since: '2026-11-30T09:00:00.000Z',
      open,
      decisions,
      resolved: 3,
    });
    for (const m of [parent, ...replies]) expect(validateBlocks(m.blocks)).toEqual([]);
    expect(JSON.stringify(parent)).toMatch(/5000 open findings/);
    expect(JSON.stringify(parent)).toMatch(/500 critical · 4500 low/);
    expect(replies.length).toBeLessThanOrEqual(10);
    const text = JSON.stringify(replies);
    expect(text).toMatch(/Waiting for a decision/);
    expect(text).toMatch(/…and \d+ more\. See them all/);
    expect(text).toMatch(/Decisions/);
    // Most urgent first: the first listed finding is a critical one (every 10th).
    expect(JSON.stringify(replies[0]!.blocks[0])).toContain('ami-00000000000000000');
    expect(JSON.stringify(replies[0]!.blocks[0])).toContain('ami-00000000000000010');
    expect(text).not.toContain('<!channel>');
  });

  it('nothing open, nothing decided: just the parent', () => {
    const { parent, replies } = digestThread({
      since: '2026-11-30T09:00:00.000Z',
      open: [],
      decisions: [],
      resolved: 0,
    });
    expect(replies).toEqual([]);
    expect(JSON.stringify(parent)).toMatch(/Nothing is waiting/);
  });
});
