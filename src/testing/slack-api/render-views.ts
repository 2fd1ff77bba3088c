/**
 * Terminal renderings of a scan's thread, a modal and the App Home, for `npm run demo` (built on
 * `renderMessage`). Text only: attacker data in blocks is already escaped mrkdwn or plain text.
 */
import type { Finding } from '../../domain/finding.ts';
import { reasonModal } from '../../slack/messages/modals.ts';
import { appHomeOpenedEvent, sendSignedJson } from '../signed-request.ts';
import { renderMessage, renderText, type RenderOptions } from './render.ts';
import type { LocalSlackApi, StoredMessage } from './server.ts';

const prefix = (text: string, first: string, rest: string) =>
  text
    .split('\n')
    .map((l, i) => `${i === 0 ? first : rest}${l}`.trimEnd())
    .join('\n');

/** A thread: the parent, then each reply indented under it ("↳"); broadcast replies marked. */
export function renderThread(
  parent: Pick<StoredMessage, 'text' | 'blocks'>,
  replies: ReadonlyArray<Pick<StoredMessage, 'text' | 'blocks' | 'reply_broadcast'>>,
  opts: RenderOptions = {},
): string {
  const width = opts.width ? Math.max(20, opts.width - 6) : undefined;
  const out = [renderMessage(parent, opts)];
  out.push(`  🧵 ${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`);
  for (const r of replies) {
    const body = renderMessage(r, width ? { width } : {});
    out.push(prefix(body, `  ↳ ${r.reply_broadcast ? '📣 also sent to the channel · ' : ''}`, '    '));
  }
  return out.join('\n');
}

/** Every thread of a channel as the channel shows it (top-level messages, each with its replies). */
export function renderChannel(api: LocalSlackApi, channel: string, opts: RenderOptions = {}): string {
  return api
    .topLevel(channel)
    .filter((m) => !(m.reply_broadcast && m.thread_ts !== m.ts))
    .map((m) => {
      const replies = api.replies(channel, m.ts);
      return replies.length ? renderThread(m, replies, opts) : renderMessage(m, opts);
    })
    .join('\n\n');
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const plainOf = (t: unknown) => (isObj(t) && typeof t['text'] === 'string' ? t['text'] : '');

/**
 * A modal or Home tab: a title bar (modals), the blocks (input blocks as `Label: [______]` and their
 * options), and the submit/close buttons.
 */
export function renderView(view: unknown, opts: RenderOptions = {}): string {
  if (!isObj(view)) return '';
  const lines: string[] = [];
  const title = view['type'] === 'home' ? '🏠 Home' : plainOf(view['title']);
  lines.push(`┌─ ${title} ${'─'.repeat(Math.max(0, 56 - title.length))}`);
  const blocks = Array.isArray(view['blocks']) ? view['blocks'] : [];
  const run: unknown[] = [];
  const flush = () => {
    if (run.length) lines.push(...renderText(run, opts).split('\n'));
    run.length = 0;
  };
  for (const b of blocks) {
    if (!isObj(b) || b['type'] !== 'input') {
      run.push(b);
      continue;
    }
    flush();
    const el = isObj(b['element']) ? b['element'] : {};
    const optional = b['optional'] === true ? ' (optional)' : '';
    lines.push(`${plainOf(b['label'])}${optional}:`);
    if (el['type'] === 'plain_text_input') {
      const ph = plainOf(el['placeholder']);
      lines.push(`  [ ${ph || ' '.repeat(20)} ]`);
    } else if (Array.isArray(el['options'])) {
      const initial = isObj(el['initial_option']) ? el['initial_option']['value'] : undefined;
      for (const o of el['options'])
        if (isObj(o)) lines.push(`  ${o['value'] === initial ? '◉' : '○'} ${plainOf(o['text'])}`);
    }
    if (b['hint']) lines.push(`  ${plainOf(b['hint'])}`);
  }
  flush();
  const buttons = [plainOf(view['close']), plainOf(view['submit'])].filter(Boolean).map((t) => `[${t}]`);
  if (buttons.length) lines.push(buttons.join(' '));
  lines.push(`└${'─'.repeat(60)}`);
  return lines.map((l) => (l.startsWith('┌') || l.startsWith('└') ? l : `│ ${l}`.trimEnd())).join('\n');
}

/**
 * For `npm run demo`: the channel as threads, the App Home of `user` (opened with a signed
 * `app_home_opened` event into the running app) and, when given a finding, the reason modal its Trust
 * button opens. One call: `say(await renderSlackUx({ … }))`.
 */
export async function renderSlackUx(o: {
  api: LocalSlackApi;
  /** The app's `/slack/events` URL and signing secret. */
  events: string;
  secret: string;
  channel: string;
  teamId: string;
  user: string;
  /** Resolves when the app's background work is done (`RunningServer.idle`). */
  idle: () => Promise<void>;
  /** Show the reason modal Trust opens for this finding. */
  finding?: Finding;
  width?: number;
}): Promise<string> {
  const opts = o.width ? { width: o.width } : {};
  const parts = [`── #${o.channel}, as threads ──`, renderChannel(o.api, o.channel, opts)];
  await sendSignedJson(o.events, o.secret, appHomeOpenedEvent({ userId: o.user, teamId: o.teamId }));
  await o.idle();
  const home = o.api.views.home(o.user);
  parts.push(
    `── App Home of @${o.user} ──`,
    home ? renderView(home.view, opts) : '(no Home tab was published)',
  );
  if (o.finding) {
    parts.push(
      `── The reason modal (Trust) ──`,
      renderView(
        reasonModal({
          action: 'trust',
          finding: o.finding,
          metadata: { v: 1, action: 'trust', findingId: o.finding.id },
          requireReason: true,
        }),
        opts,
      ),
    );
  }
  return parts.join('\n\n');
}
