/** manifest.yml's slash command says every verb `/shared-scan` takes (issue 23: post, block, unblock were missing). */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSharedScanText } from '../../src/slack/command-text.ts';

describe('manifest.yml', () => {
  it('usage_hint names every subcommand the parser accepts', async () => {
    const manifest = parse(await readFile(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      features: { slash_commands: Array<{ command: string; usage_hint: string }> };
    };
    const hint = manifest.features.slash_commands.find((c) => c.command === '/shared-scan')!.usage_hint;
    const examples: Record<string, string> = {
      help: 'help',
      status: 'status',
      trusted: 'trusted',
      post: 'post',
      untrust: 'untrust 444444444444',
      block: 'block 444444444444 vendor gone',
      unblock: 'unblock 444444444444',
    };
    for (const [verb, text] of Object.entries(examples)) {
      expect(parseSharedScanText(text).type).toBe(verb); // a verb the command takes…
      expect(hint).toMatch(new RegExp(`(^|[\\[| ])${verb}( |\\]|$)`)); // …is in the hint
    }
    for (const filter of ['account=', 'region=', 'kind=']) expect(hint).toContain(filter);
    expect(hint.length).toBeLessThanOrEqual(1000);
  });
});
