/** Small typed constructors for the blocks shareguard uses; every one enforces its own length limit. */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  PlainTextOption,
  SectionBlock,
  StaticSelect,
} from '@slack/types';
import { LIMITS } from './limits.ts';
import { truncate, truncateMrkdwn } from './text.ts';

/** What every builder returns: blocks plus the top-level `text` fallback (notifications, screen readers). */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Top-level fallback text: kept short; it is what notifications show. */
export const FALLBACK_TEXT_MAX = 1000;

export function message(text: string, blocks: KnownBlock[]): SlackMessage {
  return { text: truncateMrkdwn(text, FALLBACK_TEXT_MAX), blocks };
}

/**
 * Plain text: never parsed for mentions or links, and `emoji: false` so `:lock:` in data stays the
 * six characters it is (Slack turns shortcodes into emoji in plain_text unless told not to). Our own
 * emoji are Unicode characters and need no shortcode. docs/slack.md "Attacker text".
 */
export function plain(text: string, max: number = LIMITS.textObject): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max) || ' ', emoji: false };
}

/**
 * mrkdwn, always `verbatim: true`: Slack neither auto-links URLs nor parses `@here` or `#channel` in it;
 * only the `<@U…>` / `<!date^…>` tokens the builders wrote render. Set here, where every text object is
 * made, so modals, App Home and replies carry it as well as channel posts (issue 21 D13).
 */
export function md(text: string, max: number = LIMITS.textObject): MrkdwnElement {
  return { type: 'mrkdwn', text: truncateMrkdwn(text, max) || ' ', verbatim: true };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, LIMITS.headerText) };
}

export function section(text: string, accessory?: Button): SectionBlock {
  const block: SectionBlock = { type: 'section', text: md(text, LIMITS.sectionText) };
  if (accessory) block.accessory = accessory;
  return block;
}

export function fieldsSection(fields: string[], text?: string): SectionBlock {
  const block: SectionBlock = {
    type: 'section',
    fields: fields.slice(0, LIMITS.sectionFields).map((f) => md(f, LIMITS.sectionFieldText)),
  };
  if (text) block.text = md(text, LIMITS.sectionText);
  return block;
}

export function context(...texts: string[]): ContextBlock {
  return { type: 'context', elements: texts.slice(0, LIMITS.contextElements).map((t) => md(t)) };
}

export function actions(...elements: Array<Button | StaticSelect>): ActionsBlock {
  return { type: 'actions', elements: elements.slice(0, LIMITS.actionsElements) };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny: string; style?: 'primary' | 'danger' };
}

export function button(spec: ButtonSpec): Button {
  const b: Button = {
    type: 'button',
    text: plain(spec.text, LIMITS.buttonText),
    action_id: spec.actionId,
    value: spec.value,
  };
  if (spec.style) b.style = spec.style;
  if (spec.confirm) {
    b.confirm = {
      title: plain(spec.confirm.title, LIMITS.confirmTitle),
      text: plain(spec.confirm.text, LIMITS.confirmText),
      confirm: plain(spec.confirm.confirm, LIMITS.confirmButton),
      deny: plain(spec.confirm.deny, LIMITS.confirmButton),
    };
    if (spec.confirm.style) b.confirm.style = spec.confirm.style;
  }
  return b;
}

/** An option of a select (text ≤ 75, value ≤ 150: docs/slack.md "Views"). */
export function option(text: string, value: string): PlainTextOption {
  return { text: plain(text, 75), value };
}

/** A static select; `initial` must be one of `options` (or absent). At most 100 options (the caller cuts). */
export function select(
  actionId: string,
  placeholder: string,
  options: PlainTextOption[],
  initial?: string,
): StaticSelect {
  const s: StaticSelect = {
    type: 'static_select',
    action_id: actionId,
    placeholder: plain(placeholder, 150),
    options: options.slice(0, 100),
  };
  const init = s.options!.find((o) => o.value === initial);
  if (init) s.initial_option = init;
  return s;
}

/**
 * Builds a message with list limits scaled down (1, ½, ¼ …) until its blocks fit the budget. Lists
 * in digests and status messages use it so a pathological input (huge names) still yields a valid message.
 */
export function shrinkToFit(
  build: (scale: number) => SlackMessage,
  fits: (blocks: KnownBlock[]) => boolean,
): SlackMessage {
  let scale = 1;
  for (;;) {
    const m = build(scale);
    if (fits(m.blocks) || scale < 0.01) return m;
    scale /= 2;
  }
}
