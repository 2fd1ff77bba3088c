/** Issue 23 item 5: an outcome that says what still runs, per decision and kind (pure message builders). */
import { describe, expect, it } from 'vitest';
import type { InUse } from '../../../src/domain/finding.ts';
import type { FindingRecord } from '../../../src/domain/lifecycle.ts';
import {
  findingMessage,
  outcomeLine,
  ownerMessage,
  stillInUseText,
} from '../../../src/slack/messages/index.ts';
import { expectValid, record } from './fixtures.ts';

const empty = { count: 0, items: [] };
function inUse(over: Partial<InUse>): InUse {
  return { instances: empty, volumes: empty, images: empty, copies: empty, restores: empty, ...over };
}
const decided = (state: FindingRecord['state'], action: 'remove' | 'block-account' = 'remove') => ({
  state,
  decision: {
    decisionId: 'd-1',
    action,
    by: { userId: 'U0ALICE' },
    at: '2025-01-11T08:00:00.000Z',
    outcome: 'succeeded' as const,
  },
});

describe('what still runs after a decision', () => {
  const running = inUse({
    instances: {
      count: 7,
      items: Array.from({ length: 7 }, (_, i) => ({ id: `i-0000000000000000${i}`, state: 'running' })),
    },
  });

  it('Block on an AMI in use: the ids, "Block stops new launches only", needs attention', () => {
    const r = record(decided('blocked', 'block-account'), { kind: 'ami', inUse: running });
    expect(stillInUseText(r)).toBe(
      '7 instances still run from it: `i-00000000000000000`, `i-00000000000000001`, `i-00000000000000002`, ' +
        '`i-00000000000000003`, `i-00000000000000004` …and 2 more; Block stops new launches only.',
    );
    const line = outcomeLine(r)!;
    expect(line).toMatch(/^⚠️ \*Blocked\*/);
    expect(line).toContain('⚠️ *Needs attention:* 7 instances still run from it');
    const m = findingMessage(r);
    expectValid(m);
    expect(JSON.stringify(m.blocks[0])).toContain('⚠️ AMI shared by untrusted account');
  });

  it('a stopped instance is said to exist, not to run; a snapshot says volumes', () => {
    const r = record(decided('removed'), {
      kind: 'ami',
      inUse: inUse({ instances: { count: 1, items: [{ id: 'i-00000000000000001', state: 'stopped' }] } }),
    });
    expect(stillInUseText(r)).toBe(
      '1 instance launched from it still exists (0 running): `i-00000000000000001`; Remove stops new launches only.',
    );
    const s = record(decided('recorded'), {
      kind: 'ebs-snapshot',
      resourceId: 'snap-00000000000000001',
      inUse: inUse({ volumes: { count: 1, items: [{ id: 'vol-00000000000000001' }] } }),
    });
    expect(stillInUseText(s)).toBe(
      '1 volume made from it still exists: `vol-00000000000000001`; Remove stops new volumes only.',
    );
  });

  it('nothing in use, an open finding, or a trust: the outcome stays as it was', () => {
    expect(stillInUseText(record(decided('removed'), { inUse: inUse({}) }))).toBeUndefined();
    expect(outcomeLine(record(decided('removed'), { inUse: inUse({}) }))).toMatch(/^✅ \*Removed\*/);
    expect(stillInUseText(record({}, { inUse: running }))).toBeUndefined();
    expect(stillInUseText(record(decided('trusted'), { inUse: running }))).toBeUndefined();
  });
});

describe('what still runs, in an owner message (the triage layout)', () => {
  it('a removed AMI with running instances is listed under "Needs attention"; the header says so', () => {
    const running = inUse({
      instances: { count: 2, items: [{ id: 'i-0aaaaaaaaaaaaaaa1' }, { id: 'i-0aaaaaaaaaaaaaaa2' }] },
    });
    const removed = record(decided('removed'), {
      kind: 'ami',
      resourceId: 'ami-00000000000000001',
      inUse: running,
    });
    const quiet = record(decided('removed'), { kind: 'ami', resourceId: 'ami-00000000000000002' });
    const m = ownerMessage(removed.finding.ownerAccountId, [removed, quiet], () => ({
      guardMode: 'off',
      dryRun: false,
    }));
    expectValid(m);
    const text = JSON.stringify(m.blocks);
    expect(JSON.stringify(m.blocks[0])).toContain('⚠️ Untrusted account');
    expect(text).toContain('*Needs attention* — decided, but still in use');
    expect(text).toContain('2 instances still run from it: `i-0aaaaaaaaaaaaaaa1`, `i-0aaaaaaaaaaaaaaa2`');
    expect(text).not.toContain('ami-00000000000000002` (removed)');
    // Nothing still in use: done, not "needs attention".
    const done = ownerMessage(quiet.finding.ownerAccountId, [quiet], () => ({
      guardMode: 'off',
      dryRun: false,
    }));
    expect(JSON.stringify(done.blocks)).not.toContain('Needs attention');
    expect(JSON.stringify(done.blocks[0])).toContain('✔️');
  });
});
