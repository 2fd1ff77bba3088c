/**
 * Block Kit limits (docs/slack.md "Block Kit limits") and a validator that reports every broken one. The message
 * builders stay under them by construction; tests and the local Slack API check with `validateBlocks`.
 * Lengths are counted in UTF-16 units (`String.length`), which is never less than Slack's count.
 */

export const LIMITS = {
  blocksPerMessage: 50,
  /** Slack refuses a message with `msg_blocks_too_long` at roughly 12–13k characters of blocks (bolt-js #2509, #2867). */
  messageBlocksChars: 12_000,
  /** Top-level `text` of a message (`msg_too_long` above). */
  messageText: 40_000,
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  altText: 2000,
} as const;

/** What our builders allow themselves: comfortably below the point where Slack answers `msg_blocks_too_long`. */
export const MAX_BLOCKS_CHARS = 11_000;

export interface BlockProblem {
  /** The error Slack answers with for this problem. */
  error: 'invalid_blocks' | 'msg_blocks_too_long';
  /** JSON pointer into the message, as Slack names it (`/blocks/3/text`). */
  pointer: string;
  message: string;
}

/** Characters of blocks in a message, as measured against the budget: the JSON Slack receives. */
export function blocksChars(blocks: readonly unknown[]): number {
  return JSON.stringify(blocks).length;
}

/** True when the blocks are within 50 blocks and `budget` characters (default `MAX_BLOCKS_CHARS`). */
export function blocksFit(blocks: readonly unknown[], budget: number = MAX_BLOCKS_CHARS): boolean {
  return blocks.length <= LIMITS.blocksPerMessage && blocksChars(blocks) <= budget;
}

/** Every broken Block Kit limit, as readable lines (`/blocks/2/text: …`); empty when the blocks are valid. */
export function validateBlocks(blocks: unknown): string[] {
  return blockProblems(blocks).map((p) => `${p.pointer}: ${p.message}`);
}

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'context',
  'actions',
  'divider',
  'image',
  'input',
  'rich_text',
  'file',
  'video',
  'markdown',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface BlockListLimits {
  /** Blocks allowed (50 in a message, 100 in a modal or Home tab). */
  maxBlocks?: number;
  /** Characters of blocks before `msg_blocks_too_long`; `null` for views (no such limit known). */
  maxChars?: number | null;
}

export function blockProblems(blocks: unknown, limits: BlockListLimits = {}): BlockProblem[] {
  const maxBlocks = limits.maxBlocks ?? LIMITS.blocksPerMessage;
  const maxChars = limits.maxChars === undefined ? LIMITS.messageBlocksChars : limits.maxChars;
  const problems: BlockProblem[] = [];
  const bad = (pointer: string, message: string) =>
    problems.push({ error: 'invalid_blocks', pointer, message });
  if (!Array.isArray(blocks)) {
    bad('/blocks', 'must be an array');
    return problems;
  }
  if (blocks.length > maxBlocks) {
    bad('/blocks', `${blocks.length} blocks (no more than ${maxBlocks} items allowed)`);
  }
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => checkBlock(block, `/blocks/${i}`, bad, blockIds));
  const chars = blocksChars(blocks);
  if (maxChars !== null && chars > maxChars) {
    problems.push({
      error: 'msg_blocks_too_long',
      pointer: '/blocks',
      message: `${chars} characters of blocks (Slack refuses above about ${LIMITS.messageBlocksChars})`,
    });
  }
  return problems;
}

type Bad = (pointer: string, message: string) => void;

function checkBlock(block: unknown, at: string, bad: Bad, blockIds: Set<string>): void {
  if (!isObj(block)) return bad(at, 'a block must be an object');
  const type = block['type'];
  if (typeof type !== 'string' || !BLOCK_TYPES.has(type))
    return bad(`${at}/type`, `unknown block type ${String(type)}`);
  if (block['block_id'] !== undefined) {
    const id = block['block_id'];
    if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.blockId) {
      bad(`${at}/block_id`, `block_id must be 1–${LIMITS.blockId} characters`);
    } else if (blockIds.has(id)) {
      bad(`${at}/block_id`, `duplicate block_id ${id}`);
    } else blockIds.add(id);
  }
  switch (type) {
    case 'section': {
      const text = block['text'];
      const fields = block['fields'];
      if (text === undefined && fields === undefined) bad(at, 'a section needs text or fields');
      if (text !== undefined) checkText(text, `${at}/text`, LIMITS.sectionText, bad);
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length === 0)
          bad(`${at}/fields`, 'fields must be a non-empty array');
        else {
          if (fields.length > LIMITS.sectionFields) {
            bad(
              `${at}/fields`,
              `${fields.length} fields (no more than ${LIMITS.sectionFields} items allowed)`,
            );
          }
          fields.forEach((f, j) => checkText(f, `${at}/fields/${j}`, LIMITS.sectionFieldText, bad));
        }
      }
      if (block['accessory'] !== undefined) checkElement(block['accessory'], `${at}/accessory`, bad);
      return;
    }
    case 'header':
      return checkText(block['text'], `${at}/text`, LIMITS.headerText, bad, true);
    case 'context': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0)
        return bad(`${at}/elements`, 'elements must be a non-empty array');
      if (elements.length > LIMITS.contextElements) {
        bad(
          `${at}/elements`,
          `${elements.length} elements (no more than ${LIMITS.contextElements} items allowed)`,
        );
      }
      elements.forEach((e, j) => {
        if (isObj(e) && e['type'] === 'image') checkImage(e, `${at}/elements/${j}`, bad);
        else checkText(e, `${at}/elements/${j}`, LIMITS.textObject, bad);
      });
      return;
    }
    case 'actions': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0)
        return bad(`${at}/elements`, 'elements must be a non-empty array');
      if (elements.length > LIMITS.actionsElements) {
        bad(
          `${at}/elements`,
          `${elements.length} elements (no more than ${LIMITS.actionsElements} items allowed)`,
        );
      }
      const actionIds = new Set<string>();
      elements.forEach((e, j) => {
        checkElement(e, `${at}/elements/${j}`, bad);
        const id = isObj(e) ? e['action_id'] : undefined;
        if (typeof id === 'string') {
          if (actionIds.has(id))
            bad(`${at}/elements/${j}/action_id`, `duplicate action_id ${id} in one block`);
          actionIds.add(id);
        }
      });
      return;
    }
    case 'image':
      return checkImage(block, at, bad);
    case 'input': {
      checkText(block['label'], `${at}/label`, VIEW_LIMITS.inputLabel, bad, true);
      if (block['hint'] !== undefined)
        checkText(block['hint'], `${at}/hint`, VIEW_LIMITS.inputHint, bad, true);
      if (!isObj(block['element'])) return bad(`${at}/element`, 'an input block needs an element');
      return checkElement(block['element'], `${at}/element`, bad);
    }
    default:
      return; // divider, and block types our builders never produce (not checked in depth)
  }
}

function checkText(t: unknown, at: string, max: number, bad: Bad, plainOnly = false): void {
  if (!isObj(t)) return bad(at, 'expected a text object');
  const type = t['type'];
  if (type !== 'plain_text' && type !== 'mrkdwn')
    return bad(`${at}/type`, `text type must be plain_text or mrkdwn`);
  if (plainOnly && type !== 'plain_text') bad(`${at}/type`, 'must be plain_text');
  const text = t['text'];
  if (typeof text !== 'string') return bad(`${at}/text`, 'text must be a string');
  if (text.length === 0) bad(`${at}/text`, 'must be more than 0 characters');
  if (text.length > max) bad(`${at}/text`, `${text.length} characters (must be less than ${max + 1})`);
}

function checkImage(e: Obj, at: string, bad: Bad): void {
  const alt = e['alt_text'];
  if (typeof alt !== 'string' || alt.length === 0 || alt.length > LIMITS.altText) {
    bad(`${at}/alt_text`, `alt_text must be 1–${LIMITS.altText} characters`);
  }
  if (typeof e['image_url'] !== 'string' && !isObj(e['slack_file']))
    bad(at, 'an image needs image_url or slack_file');
}

function checkElement(e: unknown, at: string, bad: Bad): void {
  if (!isObj(e)) return bad(at, 'an element must be an object');
  const type = e['type'];
  if (typeof type !== 'string') return bad(`${at}/type`, 'element type missing');
  if (type === 'image') return checkImage(e, at, bad);
  const actionId = e['action_id'];
  if (
    actionId !== undefined &&
    (typeof actionId !== 'string' || actionId.length === 0 || actionId.length > LIMITS.actionId)
  ) {
    bad(`${at}/action_id`, `action_id must be 1–${LIMITS.actionId} characters`);
  }
  if (e['confirm'] !== undefined) checkConfirm(e['confirm'], `${at}/confirm`, bad);
  if (type === 'plain_text_input') return checkTextInput(e, at, bad);
  if (type === 'static_select' || type === 'radio_buttons') return checkOptions(e, at, bad);
  if (type !== 'button') return; // other interactive elements are not produced here
  checkText(e['text'], `${at}/text`, LIMITS.buttonText, bad, true);
  const value = e['value'];
  if (value !== undefined && (typeof value !== 'string' || value.length > LIMITS.buttonValue)) {
    bad(`${at}/value`, `value must be a string of at most ${LIMITS.buttonValue} characters`);
  }
  const url = e['url'];
  if (url !== undefined && (typeof url !== 'string' || url.length > LIMITS.buttonUrl)) {
    bad(`${at}/url`, `url must be a string of at most ${LIMITS.buttonUrl} characters`);
  }
  const style = e['style'];
  if (style !== undefined && style !== 'primary' && style !== 'danger')
    bad(`${at}/style`, 'style must be primary or danger');
}

function checkConfirm(c: unknown, at: string, bad: Bad): void {
  if (!isObj(c)) return bad(at, 'confirm must be an object');
  if (c['title'] !== undefined) checkText(c['title'], `${at}/title`, LIMITS.confirmTitle, bad, true);
  checkText(c['text'], `${at}/text`, LIMITS.confirmText, bad);
  if (c['confirm'] !== undefined) checkText(c['confirm'], `${at}/confirm`, LIMITS.confirmButton, bad, true);
  if (c['deny'] !== undefined) checkText(c['deny'], `${at}/deny`, LIMITS.confirmButton, bad, true);
  const style = c['style'];
  if (style !== undefined && style !== 'primary' && style !== 'danger')
    bad(`${at}/style`, 'style must be primary or danger');
}

function checkTextInput(e: Obj, at: string, bad: Bad): void {
  const max = e['max_length'];
  const min = e['min_length'];
  if (max !== undefined && (typeof max !== 'number' || max < 1 || max > VIEW_LIMITS.textInputMax))
    bad(`${at}/max_length`, `max_length must be 1–${VIEW_LIMITS.textInputMax}`);
  if (min !== undefined && (typeof min !== 'number' || min < 0 || min > VIEW_LIMITS.textInputMax))
    bad(`${at}/min_length`, `min_length must be 0–${VIEW_LIMITS.textInputMax}`);
  if (typeof max === 'number' && typeof min === 'number' && min > max)
    bad(`${at}/min_length`, 'min_length is above max_length');
  if (e['placeholder'] !== undefined)
    checkText(e['placeholder'], `${at}/placeholder`, VIEW_LIMITS.placeholder, bad, true);
  const initial = e['initial_value'];
  if (initial !== undefined && (typeof initial !== 'string' || initial.length > VIEW_LIMITS.textInputMax))
    bad(`${at}/initial_value`, `initial_value must be a string of at most ${VIEW_LIMITS.textInputMax}`);
}

function checkOptions(e: Obj, at: string, bad: Bad): void {
  const options = e['options'];
  const max = e['type'] === 'radio_buttons' ? VIEW_LIMITS.radioOptions : VIEW_LIMITS.selectOptions;
  if (!Array.isArray(options) || options.length === 0)
    return bad(`${at}/options`, 'options must be a non-empty array');
  if (options.length > max)
    bad(`${at}/options`, `${options.length} options (no more than ${max} items allowed)`);
  const values = new Set<string>();
  const check = (o: unknown, p: string) => {
    if (!isObj(o)) return bad(p, 'an option must be an object');
    checkText(o['text'], `${p}/text`, VIEW_LIMITS.optionText, bad, e['type'] === 'static_select');
    const v = o['value'];
    if (typeof v !== 'string' || v.length === 0 || v.length > VIEW_LIMITS.optionValue)
      bad(`${p}/value`, `value must be 1–${VIEW_LIMITS.optionValue} characters`);
    else if (values.has(v)) bad(`${p}/value`, `duplicate option value ${v}`);
    else values.add(v);
  };
  options.forEach((o, j) => check(o, `${at}/options/${j}`));
  if (e['initial_option'] !== undefined) {
    const io = e['initial_option'];
    const v = isObj(io) ? io['value'] : undefined;
    if (typeof v !== 'string' || !values.has(v))
      bad(`${at}/initial_option`, 'initial_option must be one of the options');
  }
}

/** Limits of modals and Home tabs (docs/slack.md "Views"). */
export const VIEW_LIMITS = {
  blocks: 100,
  title: 24,
  submit: 24,
  close: 24,
  callbackId: 255,
  privateMetadata: 3000,
  externalId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  textInputMax: 3000,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  radioOptions: 10,
} as const;

/**
 * Every broken limit of a `views.open` / `views.update` / `views.publish` view, as readable lines
 * (`/view/title/text: …`); empty when valid. Home tabs take no title/submit/close.
 */
export function validateView(view: unknown): string[] {
  return viewProblems(view).map((p) => `${p.pointer}: ${p.message}`);
}

export function viewProblems(view: unknown): BlockProblem[] {
  const problems: BlockProblem[] = [];
  const bad = (pointer: string, message: string) =>
    problems.push({ error: 'invalid_blocks', pointer, message });
  if (!isObj(view)) {
    bad('/view', 'must be an object');
    return problems;
  }
  const type = view['type'];
  if (type !== 'modal' && type !== 'home') {
    bad('/view/type', 'type must be modal or home');
    return problems;
  }
  if (type === 'modal') {
    if (view['title'] === undefined) bad('/view/title', 'a modal needs a title');
    else checkText(view['title'], '/view/title', VIEW_LIMITS.title, bad, true);
  }
  for (const k of ['submit', 'close'] as const) {
    if (view[k] === undefined) continue;
    if (type === 'home') bad(`/view/${k}`, `a Home tab has no ${k} button`);
    else checkText(view[k], `/view/${k}`, VIEW_LIMITS[k], bad, true);
  }
  const hasInput =
    Array.isArray(view['blocks']) && view['blocks'].some((b) => isObj(b) && b['type'] === 'input');
  if (type === 'modal' && hasInput && view['submit'] === undefined)
    bad('/view/submit', 'a modal with input blocks needs a submit button');
  const lim = (k: 'callback_id' | 'private_metadata' | 'external_id', max: number) => {
    const v = view[k];
    if (v !== undefined && (typeof v !== 'string' || v.length > max))
      bad(`/view/${k}`, `${k} must be a string of at most ${max} characters`);
  };
  lim('callback_id', VIEW_LIMITS.callbackId);
  lim('private_metadata', VIEW_LIMITS.privateMetadata);
  lim('external_id', VIEW_LIMITS.externalId);
  for (const p of blockProblems(view['blocks'], { maxBlocks: VIEW_LIMITS.blocks, maxChars: null }))
    problems.push({ ...p, pointer: `/view${p.pointer}` });
  return problems;
}
