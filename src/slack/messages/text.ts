/**
 * Text helpers for Slack mrkdwn. Everything that comes from AWS (resource names, descriptions, error
 * messages) or from a user is attacker-controlled: it goes through `esc` (or `code`), never straight
 * into mrkdwn, so `<!channel>` or `<https://evil|click>` in a name stays literal text.
 */
import type { Actor } from '../../domain/lifecycle.ts';

// C0/C1 controls (newlines included: data must not start a fake line of its own).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Zero-width and bidirectional overrides: they can make text read differently from what it is.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Data made safe to show on one line: no control characters, no bidi tricks. */
export function clean(s: string): string {
  return s.replace(CONTROL, ' ').replace(INVISIBLE, '');
}

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * mrkdwn has no backslash escape for its formatting characters, so in data they become look-alikes
 * that Slack does not interpret: `*bold*`, `~strike~` and backticks never render, and `_` only where it
 * could open or close italics (at a word boundary; `my_ami_name` stays as it is). A description cannot
 * show a fake "*approved by @admin*". Emoji shortcodes (`:white_check_mark:`, `:lock:`, custom ones
 * like `:aws:`) render even with `verbatim: true`: a colon that opens one becomes `∶` (ratio), so a
 * name cannot show a fake "✅ Removed by security team 🔒" (issue 21 D14).
 */
export function neutralizeFormatting(s: string): string {
  return s
    .replace(/\*/g, '\u2217') // ∗ asterisk operator
    .replace(/~/g, '\u223c') // ∼ tilde operator
    .replace(/`/g, '\u02cb') // ˋ modifier letter grave accent
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\uff3f') // ＿ fullwidth low line
    .replace(SHORTCODE_OPENER, '\u2236'); // ∶ ratio
}

// A colon followed by an emoji name and a closing colon (names: letters, digits, `_ + - '`; Slack's
// skin tones are `::skin-tone-2:`). Lookahead only, so `:a:b:` loses both openers.
const SHORTCODE_OPENER = /:(?=[\p{L}\p{N}_+'-]+:)/gu;

/** Untrusted data → mrkdwn-safe literal text, cut to `max` characters of the original (before escaping). */
export function esc(s: string | undefined, max = 300): string {
  return escapeMrkdwn(neutralizeFormatting(truncate(clean(s ?? ''), max)));
}

/** Untrusted data in a code span (ids, ARNs); backticks would close the span, so they become quotes. */
export function code(s: string | undefined, max = 300): string {
  const v = escapeMrkdwn(truncate(clean(s ?? ''), max)).replace(/`/g, "'");
  return v ? `\`${v}\`` : '';
}

type Block = Record<string, unknown>;

/**
 * Every mrkdwn text object gets `verbatim: true`: Slack then neither turns bare URLs and domains into
 * links nor parses `@here`, `#channel` or names into mentions; only the `<@U…>` / `<!date^…>` tokens the
 * app itself wrote render. Applied to every message shareguard sends (docs/slack.md "Attacker text").
 */
export function verbatimBlocks<T>(blocks: T): T {
  if (!Array.isArray(blocks)) return blocks;
  return blocks.map((b) => literal(b)) as T;
}

function literal(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(literal);
  if (!node || typeof node !== 'object') return node;
  const out: Block = {};
  for (const [k, v] of Object.entries(node as Block)) out[k] = literal(v);
  if (out['type'] === 'mrkdwn' && typeof out['text'] === 'string') out['verbatim'] = true;
  return out;
}

/** Options every post carries: Slack must not fetch or preview URLs that appear in a message. */
export const NO_UNFURL = { unfurl_links: false, unfurl_media: false } as const;

/** Cuts plain text to at most `max` UTF-16 units, never splitting a surrogate pair, marking the cut with `…`. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  let cut = max - 1;
  if (cut > 0 && isHighSurrogate(s.charCodeAt(cut - 1))) cut--;
  return `${s.slice(0, cut)}…`;
}

/**
 * Cuts already-built mrkdwn to at most `max` units without breaking an entity (`&amp;`), a
 * `<…>` token (mention, date, link) or a surrogate pair, and closes an open code span.
 */
export function truncateMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 2) return truncate(s, max);
  let cut = max - 2; // room for a closing backtick and the ellipsis
  if (cut > 0 && isHighSurrogate(s.charCodeAt(cut - 1))) cut--;
  const amp = s.lastIndexOf('&', cut - 1);
  if (amp >= 0 && s.indexOf(';', amp) >= cut && cut - amp < 6) cut = amp;
  const lt = s.lastIndexOf('<', cut - 1);
  if (lt >= 0 && s.lastIndexOf('>', cut - 1) < lt) cut = lt;
  let head = s.slice(0, cut);
  if ((head.match(/`/g)?.length ?? 0) % 2 === 1) head += '`';
  return `${head}…`;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

/** `<@U…>` for a real Slack user id, otherwise the (escaped) name: never a mention built from data. */
export function who(actor: Actor | undefined): string {
  if (!actor) return 'someone';
  if (USER_ID.test(actor.userId)) return `<@${actor.userId}>`;
  return esc(actor.userName ?? actor.userId, 80) || 'someone';
}

export function userMention(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : esc(userId, 80);
}

export function groupMention(groupId: string): string {
  return GROUP_ID.test(groupId) ? `<!subteam^${groupId}>` : esc(groupId, 80);
}

/**
 * Slack date formatting: readers see the time in their own time zone; clients that cannot render it
 * show the UTC fallback. `withTime: false` for dates only.
 */
export function slackDate(iso: string | undefined, withTime = true): string {
  if (!iso) return 'an unknown time';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return esc(iso, 40);
  const isoText = new Date(ms).toISOString();
  const fallback = withTime ? `${isoText.slice(0, 10)} ${isoText.slice(11, 16)} UTC` : isoText.slice(0, 10);
  const format = withTime ? '{date_short_pretty} {time}' : '{date_short_pretty}';
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

/** "1 finding" / "3 findings". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Joins lines (already mrkdwn) into chunks of at most `maxChars`, keeping whole lines, and stops when
 * `maxLines` or `maxTotal` is reached. Returns the chunks and how many lines were left out.
 */
export function packLines(
  lines: readonly string[],
  opts: { maxChars?: number; maxLines?: number; maxTotal?: number } = {},
): { chunks: string[]; shown: number; omitted: number } {
  const maxChars = opts.maxChars ?? 2900;
  const maxLines = opts.maxLines ?? Infinity;
  const maxTotal = opts.maxTotal ?? Infinity;
  const chunks: string[] = [];
  let current = '';
  let total = 0;
  let shown = 0;
  for (const raw of lines) {
    if (shown >= maxLines) break;
    const line = truncateMrkdwn(raw, maxChars);
    if (total + line.length + 1 > maxTotal) break;
    if (current && current.length + 1 + line.length > maxChars) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
    total += line.length + 1;
    shown++;
  }
  if (current) chunks.push(current);
  return { chunks, shown, omitted: lines.length - shown };
}

// The tokens shareguard's own refusal texts carry: a user mention, a channel mention, an ISO time.
const REASON_TOKEN =
  /<@([UW][A-Z0-9]{2,})>|<#([CG][A-Z0-9]{2,})>|\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\b/g;

/**
 * A refusal or error text (plain text from the core or the listeners) → mrkdwn, rendered once:
 * everything is escaped as data except well-formed `<@U…>` / `<#C…>` tokens, which stay mentions,
 * and ISO timestamps, which become Slack dates (readers see their own time zone).
 */
export function reasonText(reason: string, max = 500): string {
  const s = truncate(clean(reason), max);
  let out = '';
  let last = 0;
  for (const m of s.matchAll(REASON_TOKEN)) {
    out += escapeMrkdwn(neutralizeFormatting(s.slice(last, m.index)));
    if (m[1]) out += `<@${m[1]}>`;
    else if (m[2]) out += `<#${m[2]}>`;
    else out += slackDate(m[3]);
    last = m.index + m[0].length;
  }
  return out + escapeMrkdwn(neutralizeFormatting(s.slice(last)));
}

/** Ends a sentence with a full stop unless it already ends with one (AWS error texts often do). */
export function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
