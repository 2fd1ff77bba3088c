import { describe, expect, it } from 'vitest';
import type { BlockAccountResult } from '../../../src/core/block-account.ts';
import { actions } from '../../../src/slack/messages/blocks.ts';
import {
  blockAccountButton,
  blockAccountMessage,
  BLOCK_ACCOUNT_ACTION,
} from '../../../src/slack/messages/guard.ts';
import { validateBlocks } from '../../../src/slack/messages/limits.ts';

const by = { userId: 'U0ALICE' };
const guard = {
  mode: 'iam-policy' as const,
  dryRun: false,
  status: 'applied' as const,
  rendered: [],
  calls: [],
};

function done(over: Partial<Extract<BlockAccountResult, { status: 'done' }>>): BlockAccountResult {
  return {
    status: 'done',
    action: 'block-account',
    ownerAccountId: '444444444444',
    decisionId: 'd1',
    outcome: 'blocked',
    guard: { ...guard, accounts: [{ accountId: '111111111111', status: 'applied', policies: [] }] },
    verification: [],
    records: [],
    leftOpen: [],
    detail: '',
    ...over,
  };
}

describe('Block account messages', () => {
  it('the button carries only the finding id and a confirm that says what the mode does', () => {
    const b = blockAccountButton('444444444444', 'ami:111111111111:us-east-1:ami-1', 'print');
    expect(b).toMatchObject({ action_id: BLOCK_ACCOUNT_ACTION, value: 'ami:111111111111:us-east-1:ami-1' });
    expect(b.confirm?.text.text).toMatch(/nothing is blocked until the printed guard policy is applied/);
    expect(validateBlocks([actions(b)])).toEqual([]);
  });

  it('names the blocking policy per account and escapes the reason and AWS errors', () => {
    const ok = blockAccountMessage(
      done({
        verification: [
          {
            accountId: '111111111111',
            verified: true,
            checks: [
              {
                kind: 'ami',
                verification: {
                  verified: true,
                  evidence: [],
                  blockedBy: [{ accountId: '111111111111', policy: 'ShareGuardBlocked' }],
                  detail: '',
                  calls: [],
                },
              },
            ],
          },
        ],
      }),
      by,
      '<!channel> <https://evil|click>',
    );
    const text = JSON.stringify(ok);
    expect(text).toContain('ShareGuardBlocked in 111111111111');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(validateBlocks(ok.blocks)).toEqual([]);

    const failed = blockAccountMessage(
      done({
        outcome: 'failed',
        guard: {
          ...guard,
          status: 'partial',
          accounts: [
            { accountId: '222222222222', status: 'failed', policies: [], error: 'AccessDenied: <!here>' },
          ],
        },
      }),
      by,
    );
    expect(JSON.stringify(failed)).toMatch(/222222222222: AccessDenied: &lt;!here&gt;/);
    expect(JSON.stringify(failed)).toMatch(/Block it again to retry/);
  });

  it('print mode says it is not blocked until the printed policy is applied', () => {
    const m = blockAccountMessage(
      done({ outcome: 'recorded', guard: { ...guard, mode: 'print', status: 'printed', accounts: [] } }),
      by,
    );
    expect(m.text).toMatch(/not blocked until the printed policy is applied/);
  });
});
