/**
 * Block Kit → readable terminal text, for the demo: headers, sections with fields, context lines,
 * buttons as `[Trust account 4444…] [Remove]`. Mrkdwn tokens are resolved to what a reader sees
 * (`<@U1>` → `@U1`, dates → their fallback, `&lt;` → `<`). Accepts any JSON: unknown blocks are skipped.
 */

export interface RenderOptions {
  /** Wrap long lines at this width (default: no wrapping). */
  width?: number;
  /** Indent every line (default ''). */
  indent?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Mrkdwn as a reader sees it. Entities are decoded last, so escaped data never turns into a token. */
export function renderMrkdwn(s: string): string {
  return s
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<@([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `@${name ?? id}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name ?? id}`)
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => name ?? `@${id}`)
    .replace(/<!(channel|here|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(t: unknown): string {
  if (!isObj(t) || typeof t['text'] !== 'string') return '';
  return t['type'] === 'mrkdwn' ? renderMrkdwn(t['text']) : t['text'];
}

function buttonOf(e: unknown): string | undefined {
  if (!isObj(e)) return undefined;
  if (e['type'] === 'button') return `[${textOf(e['text'])}]`;
  // A select shows its choice, or its placeholder, and a caret.
  if (e['type'] === 'static_select') {
    const chosen = isObj(e['initial_option'])
      ? textOf(e['initial_option']['text'])
      : textOf(e['placeholder']);
    return `[${chosen} ▾]`;
  }
  if (typeof e['type'] === 'string' && e['type'] !== 'image') return `[${e['type']}]`;
  return undefined;
}

/** "*Owner*\n`4444`" → "Owner: `4444`". */
function fieldLine(t: unknown): string {
  const [first = '', ...rest] = textOf(t).split('\n');
  const label = /^\*([^*]+)\*$/.exec(first.trim());
  return label ? `${label[1]}: ${rest.join(' ')}` : [first, ...rest].join(' ');
}

function wrap(line: string, width: number | undefined): string[] {
  if (!width || line.length <= width) return [line];
  const out: string[] = [];
  const lead = /^\s*/.exec(line)?.[0] ?? '';
  let current = '';
  for (const word of line.trimStart().split(' ')) {
    if (current && (lead + current + ' ' + word).length > width) {
      out.push(lead + current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) out.push(lead + current);
  return out;
}

export function renderText(blocks: readonly unknown[], opts: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const b of blocks) {
    if (!isObj(b)) continue;
    switch (b['type']) {
      case 'header': {
        const t = textOf(b['text']);
        lines.push(t, '═'.repeat(Math.min(60, [...t].length)));
        break;
      }
      case 'section': {
        const accessory = buttonOf(b['accessory']);
        const text = textOf(b['text']);
        const textLines = text ? text.split('\n') : [];
        if (accessory) {
          if (textLines.length) textLines[0] = `${textLines[0]}  ${accessory}`;
          else textLines.push(accessory);
        }
        lines.push(...textLines);
        if (Array.isArray(b['fields'])) for (const f of b['fields']) lines.push(`  ${fieldLine(f)}`);
        break;
      }
      case 'context': {
        const parts = Array.isArray(b['elements']) ? b['elements'].map(textOf).filter(Boolean) : [];
        if (parts.length)
          lines.push(
            ...parts
              .join(' · ')
              .split('\n')
              .map((l) => `  ${l}`),
          );
        break;
      }
      case 'actions': {
        const bs = Array.isArray(b['elements'])
          ? b['elements'].map(buttonOf).filter((x) => x !== undefined)
          : [];
        if (bs.length) lines.push(bs.join(' '));
        break;
      }
      case 'divider':
        lines.push('─'.repeat(40));
        break;
      case 'markdown':
        if (typeof b['text'] === 'string') lines.push(...b['text'].split('\n'));
        break;
      default:
        break;
    }
  }
  const indent = opts.indent ?? '';
  return lines
    .flatMap((l) => wrap(l, opts.width))
    .map((l) => `${indent}${l}`.trimEnd())
    .join('\n');
}

/** A whole message: its blocks, or its text when it has none. */
export function renderMessage(
  m: { text?: string; blocks?: readonly unknown[] },
  opts: RenderOptions = {},
): string {
  if (m.blocks && m.blocks.length) return renderText(m.blocks, opts);
  return renderText([{ type: 'section', text: { type: 'mrkdwn', text: m.text ?? '' } }], opts);
}
