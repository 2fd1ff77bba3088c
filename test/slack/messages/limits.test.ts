import { describe, expect, it } from 'vitest';
import {
  blockProblems,
  blocksFit,
  MAX_BLOCKS_CHARS,
  validateBlocks,
} from '../../../src/slack/messages/limits.ts';
import { esc, packLines, slackDate, truncate, truncateMrkdwn } from '../../../src/slack/messages/text.ts';

const pt = (text: string) => ({ type: 'plain_text', text });
const mdt = (text: string) => ({ type: 'mrkdwn', text });
const btn = (over: Record<string, unknown> = {}) => ({
  type: 'button',
  text: pt('Go'),
  action_id: 'a',
  value: 'v',
  ...over,
});

describe('validateBlocks', () => {
  it('accepts valid blocks', () => {
    expect(
      validateBlocks([
        { type: 'header', text: pt('h') },
        { type: 'section', text: mdt('x'), fields: [mdt('a')], accessory: btn() },
        { type: 'context', elements: [mdt('c')] },
        { type: 'actions', elements: [btn({ action_id: 'a' }), btn({ action_id: 'b', style: 'danger' })] },
        { type: 'divider' },
      ]),
    ).toEqual([]);
  });

  const cases: Array<[string, unknown[], RegExp]> = [
    ['more than 50 blocks', Array(51).fill({ type: 'divider' }), /51 blocks/],
    [
      'section text over 3000',
      [{ type: 'section', text: mdt('x'.repeat(3001)) }],
      /\/blocks\/0\/text\/text: 3001 characters/,
    ],
    ['empty text', [{ type: 'section', text: mdt('') }], /more than 0 characters/],
    ['section without text or fields', [{ type: 'section' }], /needs text or fields/],
    ['11 fields', [{ type: 'section', fields: Array(11).fill(mdt('f')) }], /11 fields/],
    ['field over 2000', [{ type: 'section', fields: [mdt('f'.repeat(2001))] }], /fields\/0\/text: 2001/],
    ['header over 150', [{ type: 'header', text: pt('h'.repeat(151)) }], /151 characters/],
    ['mrkdwn header', [{ type: 'header', text: mdt('h') }], /must be plain_text/],
    ['11 context elements', [{ type: 'context', elements: Array(11).fill(mdt('c')) }], /11 elements/],
    [
      '26 actions',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => btn({ action_id: `a${i}` })) }],
      /26 elements/,
    ],
    ['duplicate action ids', [{ type: 'actions', elements: [btn(), btn()] }], /duplicate action_id a/],
    [
      'button text over 75',
      [{ type: 'actions', elements: [btn({ text: pt('b'.repeat(76)) })] }],
      /elements\/0\/text\/text: 76/,
    ],
    [
      'button value over 2000',
      [{ type: 'actions', elements: [btn({ value: 'v'.repeat(2001) })] }],
      /value must be/,
    ],
    [
      'action id over 255',
      [{ type: 'actions', elements: [btn({ action_id: 'a'.repeat(256) })] }],
      /action_id must be/,
    ],
    ['bad style', [{ type: 'actions', elements: [btn({ style: 'red' })] }], /style must be/],
    [
      'confirm title over 100',
      [{ type: 'actions', elements: [btn({ confirm: { title: pt('t'.repeat(101)), text: pt('x') } })] }],
      /confirm\/title\/text: 101/,
    ],
    [
      'confirm text over 300',
      [{ type: 'actions', elements: [btn({ confirm: { text: pt('t'.repeat(301)) } })] }],
      /confirm\/text\/text: 301/,
    ],
    [
      'confirm button over 30',
      [{ type: 'actions', elements: [btn({ confirm: { text: pt('x'), confirm: pt('c'.repeat(31)) } })] }],
      /confirm\/confirm\/text: 31/,
    ],
    ['unknown block type', [{ type: 'banner' }], /unknown block type/],
    [
      'duplicate block ids',
      [
        { type: 'divider', block_id: 'x' },
        { type: 'divider', block_id: 'x' },
      ],
      /duplicate block_id/,
    ],
  ];
  it.each(cases)('reports %s', (_name, blocks, pattern) => {
    const problems = validateBlocks(blocks);
    expect(problems.join('\n')).toMatch(pattern);
    expect(blockProblems(blocks)[0]!.error).toBe('invalid_blocks');
  });

  it('reports messages too long as msg_blocks_too_long', () => {
    const blocks = Array.from({ length: 5 }, () => ({ type: 'section', text: mdt('x'.repeat(2900)) }));
    expect(blockProblems(blocks).map((p) => p.error)).toEqual(['msg_blocks_too_long']);
    expect(blocksFit(blocks)).toBe(false);
    expect(blocksFit(blocks.slice(0, 3))).toBe(true);
    expect(MAX_BLOCKS_CHARS).toBeLessThan(12_000);
  });
});

describe('text helpers', () => {
  it('escapes &, < and > and drops control and bidi characters', () => {
    expect(esc('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(esc('a\nb\u202ec\u0000')).toBe('a bc ');
  });

  it('truncates without splitting surrogate pairs', () => {
    const s = '😀'.repeat(10);
    const t = truncate(s, 6);
    expect(t.length).toBeLessThanOrEqual(6);
    expect(t).toBe('😀😀…');
  });

  it('truncates mrkdwn without breaking entities, tokens or code spans', () => {
    const entity = truncateMrkdwn(`${'a'.repeat(8)}&amp;tail`, 11);
    expect(entity).toBe(`${'a'.repeat(8)}…`);
    const date = truncateMrkdwn(`x ${slackDate('2025-01-01T00:00:00Z')} y`, 20);
    expect(date).toBe('x …');
    const codeSpan = truncateMrkdwn('`abcdefghijklmnop`', 10);
    expect(codeSpan).toBe('`abcdefg`…');
    expect(codeSpan.length).toBeLessThanOrEqual(10);
  });

  it('formats dates for Slack with a UTC fallback', () => {
    expect(slackDate('2025-01-01T12:34:56Z')).toBe(
      '<!date^1735734896^{date_short_pretty} {time}|2025-01-01 12:34 UTC>',
    );
    expect(slackDate('2025-01-01T12:34:56Z', false)).toBe(
      '<!date^1735734896^{date_short_pretty}|2025-01-01>',
    );
    expect(slackDate('<!channel>')).toBe('&lt;!channel&gt;');
  });

  it('packs whole lines into bounded chunks and counts the rest', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(90)}`);
    const { chunks, shown, omitted } = packLines(lines, { maxChars: 1000, maxTotal: 3000 });
    expect(chunks.every((c) => c.length <= 1000)).toBe(true);
    expect(shown + omitted).toBe(100);
    expect(chunks.join('\n').split('\n')).toHaveLength(shown);
    expect(packLines(lines, { maxLines: 3 }).shown).toBe(3);
  });
});
