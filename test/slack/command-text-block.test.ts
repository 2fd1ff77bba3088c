import { describe, expect, it } from 'vitest';
import { CommandTextError, parseSharedScanText } from '../../src/slack/command-text.ts';

describe('/shared-scan block | unblock', () => {
  it('parses the account and keeps the reason as written', () => {
    expect(parseSharedScanText('block 444444444444')).toEqual({ type: 'block', accountId: '444444444444' });
    expect(parseSharedScanText('BLOCK 444444444444 shared a backdoored AMI')).toEqual({
      type: 'block',
      accountId: '444444444444',
      reason: 'shared a backdoored AMI',
    });
    expect(parseSharedScanText('unblock 444444444444')).toEqual({
      type: 'unblock',
      accountId: '444444444444',
    });
  });

  it('says what was expected', () => {
    expect(() => parseSharedScanText('block')).toThrow(/usage: block <12-digit account id> \[reason\]/);
    expect(() => parseSharedScanText('block 4444')).toThrow(/expected a 12-digit account id/);
    expect(() => parseSharedScanText('unblock 444444444444 now')).toThrow(/usage: unblock/);
    expect(() => parseSharedScanText(`block 444444444444 ${'x'.repeat(501)}`)).toThrow(CommandTextError);
  });
});
