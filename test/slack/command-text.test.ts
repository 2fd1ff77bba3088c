import { describe, expect, it } from 'vitest';
import { CommandTextError, parseSharedScanText } from '../../src/slack/command-text.ts';

describe('/shared-scan text', () => {
  it('reads verbs and filters', () => {
    expect(parseSharedScanText('')).toEqual({ type: 'scan' });
    expect(parseSharedScanText('  help ')).toEqual({ type: 'help' });
    expect(parseSharedScanText('STATUS')).toEqual({ type: 'status' });
    expect(parseSharedScanText('trusted')).toEqual({ type: 'trusted' });
    expect(parseSharedScanText('post')).toEqual({ type: 'post' });
    expect(() => parseSharedScanText('post now')).toThrow(/"post" takes no arguments/);
    expect(parseSharedScanText('untrust 444444444444')).toEqual({
      type: 'untrust',
      accountId: '444444444444',
    });
    expect(
      parseSharedScanText('account=111111111111,222222222222 region=us-east-1 kind=ami kind=rds-snapshot'),
    ).toEqual({
      type: 'scan',
      accounts: ['111111111111', '222222222222'],
      regions: ['us-east-1'],
      kinds: ['ami', 'rds-snapshot'],
    });
    expect(parseSharedScanText('scan region=eu-west-1')).toEqual({ type: 'scan', regions: ['eu-west-1'] });
  });

  it.each([
    ['frobnicate', /unknown word "frobnicate"/],
    ['untrust', /usage: untrust/],
    ['untrust 12', /expected a 12-digit account id/],
    ['help me', /takes no arguments/],
    ['region=moon-1', /region="moon-1": expected a region/],
    ['kind=lambda', /kind="lambda": expected one of ami/],
    ['account=', /account= needs a value/],
    ['owner=444444444444', /unknown word/],
  ])('explains what is wrong with %j', (text, message) => {
    expect(() => parseSharedScanText(text)).toThrow(CommandTextError);
    expect(() => parseSharedScanText(text)).toThrow(message);
  });
});

describe('SLACK_API_URL', () => {
  it('adds /api/ to a bare host and keeps any other path', async () => {
    const { apiBase } = await import('../../src/slack/app.ts');
    expect(apiBase('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/api/');
    expect(apiBase('http://127.0.0.1:8080/api')).toBe('http://127.0.0.1:8080/api/');
    expect(apiBase('https://proxy.example/slack/api/')).toBe('https://proxy.example/slack/api/');
    expect(apiBase(undefined)).toBeUndefined();
  });
});
