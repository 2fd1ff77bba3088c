/**
 * Pure builders for the decision modals (issue 10 items 2 and 5) and the parsers of what comes back.
 * The reason modal opens on a Trust / Remove / Block account / Delete at source click (`views.open`
 * with the click's `trigger_id`, right after the ack); its `private_metadata` carries only routing data
 * (the finding id is re-loaded on submit). Limits: docs/slack.md "Views" (`validateView`).
 */
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.ts';
import { planWords } from '../../remediate/registry.ts';
import type { RemediationContext } from '../../remediate/types.ts';
import { FINDING_ID } from '../payloads.ts';
import { actions, button, context, plain, section } from './blocks.ts';
import { accountText, kindLabel } from './labels.ts';
import { VIEW_LIMITS } from './limits.ts';
import { inUseLine, removeUsageWarning, riskLine } from './risk.ts';
import { clean, code, esc, slackDate, truncate, userMention } from './text.ts';

/** `callback_id` of the reason modal: `app.view(REASON_CALLBACK, …)` handles its submission. */
export const REASON_CALLBACK = 'shareguard.reason';
/** Action ids of the two-person rule's buttons (their `value` is the finding id). */
export const TWO_PERSON_ACTIONS = { confirm: 'shareguard.confirm', reject: 'shareguard.reject' } as const;

export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason_input';
export const EXPIRY_BLOCK = 'expiry';
export const EXPIRY_INPUT = 'expiry_choice';
/** Longest reason kept (it goes into the decision log, the trust entry and the outcome line). */
export const REASON_MAX = 500;

export const DECISIONS_WITH_REASON = ['trust', 'remove', 'block-account', 'delete-at-source'] as const;
export type ReasonAction = (typeof DECISIONS_WITH_REASON)[number];

/** Trust expiry choices: days, or `never`. */
export const EXPIRY_CHOICES = ['7', '30', '90', 'never'] as const;
/** The expiry preselected unless `slack.trustExpiry` says otherwise: 90 days, not forever (issue 23). */
export const DEFAULT_TRUST_EXPIRY = 90;
export type TrustExpiry = 7 | 30 | 90 | 'never';

const WORDS: Record<ReasonAction, { title: string; submit: string; verb: string }> = {
  trust: { title: 'Trust account', submit: 'Trust', verb: 'trust' },
  remove: { title: 'Remove share', submit: 'Remove', verb: 'remove' },
  'block-account': { title: 'Block account', submit: 'Block', verb: 'block' },
  'delete-at-source': { title: 'Delete at source', submit: 'Delete', verb: 'delete' },
};

/** Whether the action needs a reason: Trust, Block and Delete do (unless `slack.requireReason: false`); Remove never. */
export function reasonRequired(action: ReasonAction, requireReason: boolean): boolean {
  return requireReason && action !== 'remove';
}

/** What travels in `private_metadata`: routing only; the finding is re-loaded from the store on submit. */
export const modalMetadata = z.strictObject({
  v: z.literal(1),
  action: z.enum(DECISIONS_WITH_REASON),
  findingId: FINDING_ID,
  /** Where the clicked message is, to update it after the decision. */
  channel: z
    .string()
    .regex(/^[CGD][A-Z0-9]{2,}$/)
    .optional(),
  ts: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
});
export type ModalMetadata = z.infer<typeof modalMetadata>;

export function encodeMetadata(m: ModalMetadata): string {
  const s = JSON.stringify(modalMetadata.parse(m));
  if (s.length > VIEW_LIMITS.privateMetadata) throw new Error('private_metadata above 3000 characters');
  return s;
}

/** The metadata back from a submission, or why it is not ours (tampered, truncated, another app's). */
export function decodeMetadata(
  raw: unknown,
): { ok: true; value: ModalMetadata } | { ok: false; reason: string } {
  if (typeof raw !== 'string' || raw.length > VIEW_LIMITS.privateMetadata)
    return { ok: false, reason: 'the form carried no shareguard data' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'the form carried no shareguard data' };
  }
  const parsed = modalMetadata.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: 'the form carried something that is not a shareguard finding' };
}

const option = (text: string, value: string): PlainTextOption => ({ text: plain(text, 75), value });
const EXPIRY_OPTIONS: PlainTextOption[] = [
  option('7 days', '7'),
  option('30 days', '30'),
  option('90 days', '90'),
  option('Never', 'never'),
];

export interface ReasonModalInput {
  action: ReasonAction;
  finding: Finding;
  metadata: ModalMetadata;
  /** `slack.requireReason` (default true). */
  requireReason: boolean;
  /**
   * What Remove / Delete at source would run for this finding (src/remediate/registry.ts): the modal is
   * the confirmation, so it lists the steps in order. Absent: only the one-line summary.
   */
  context?: RemediationContext;
  /** The preselected Trust expiry (`slack.trustExpiry`, default 90 days). */
  defaultExpiry?: TrustExpiry;
}

/**
 * The confirmation part of the modal (issue 23 item 2: no Slack confirm dialog before it): the risk,
 * what already uses the resource, and for Remove / Delete at source the steps that will run, in order.
 */
function confirmation(action: ReasonAction, f: Finding, ctx: RemediationContext | undefined): KnownBlock[] {
  const out: KnownBlock[] = [];
  // What keeps running is said above it (the warning); here the level and what uses the resource.
  const lines = [riskLine(f, 1000), inUseLine(f.inUse)].filter((l): l is string => Boolean(l));
  if (lines.length) out.push(section(lines.join('\n')));
  if (ctx && (action === 'remove' || action === 'delete-at-source')) {
    const steps = planWords(action, f, ctx).map((l) => esc(l, 600));
    if (steps.length) out.push(section(`*What happens, in order*\n${steps.join('\n')}`));
  }
  return out;
}

/** "Trust account 4444…" in a line: what the click will do, in words a reviewer checks before submitting. */
function whatHappens(action: ReasonAction, f: Finding): string {
  const owner = code(f.ownerAccountId, 40);
  const resource = `${kindLabel(f.kind)} ${code(f.resourceId, 300)}${f.name ? ` “${esc(f.name, 120)}”` : ''}`;
  switch (action) {
    case 'trust':
      return `Put account ${owner} on the trust list: nothing it shares into any monitored account is reported any more (until it expires or is removed).`;
    case 'remove':
      return `Remove the share of ${resource} from ${accountText(f)} ${esc(f.region, 40)}.`;
    case 'block-account':
      return `Block account ${owner}: its shares into ${accountText(f)} are denied by the guard policy.`;
    case 'delete-at-source':
      return `Delete ${resource} in its owner's account ${owner} (only possible when shareguard can act there).`;
  }
}

function doingWords(action: Exclude<ReasonAction, 'trust'>): string {
  return action === 'delete-at-source'
    ? 'deleting it at the source'
    : action === 'block-account'
      ? 'blocking the account'
      : 'removing';
}

/** The reason modal: what happens, a reason (required or optional), and for Trust an expiry. */
export function reasonModal(input: ReasonModalInput): ModalView {
  const { action, finding: f } = input;
  const w = WORDS[action];
  const required = reasonRequired(action, input.requireReason);
  // Issue 23: what the decision would break, and what it leaves running (plain words from counts).
  const warning = action === 'trust' ? undefined : removeUsageWarning(f, doingWords(action));
  const blocks: KnownBlock[] = [
    section(whatHappens(action, f)),
    ...(warning ? [section(`⚠️ ${esc(warning, 600)}`)] : []),
    ...confirmation(action, f, input.context),
    {
      type: 'input',
      block_id: REASON_BLOCK,
      optional: !required,
      label: plain(required ? 'Reason' : 'Reason (optional)', VIEW_LIMITS.inputLabel),
      hint: plain('Kept in the decision log and shown with the outcome.', VIEW_LIMITS.inputHint),
      element: {
        type: 'plain_text_input',
        action_id: REASON_INPUT,
        multiline: true,
        max_length: REASON_MAX,
        ...(required ? { min_length: 3 } : {}),
        placeholder: plain(
          action === 'trust' ? 'e.g. our AMI vendor, contract 2025-114' : 'Why?',
          VIEW_LIMITS.placeholder,
        ),
      },
    },
  ];
  if (action === 'trust') {
    blocks.push({
      type: 'input',
      block_id: EXPIRY_BLOCK,
      optional: true,
      label: plain('Trust expires after', VIEW_LIMITS.inputLabel),
      element: {
        type: 'radio_buttons',
        action_id: EXPIRY_INPUT,
        options: EXPIRY_OPTIONS,
        initial_option:
          EXPIRY_OPTIONS.find((o) => o.value === String(input.defaultExpiry ?? DEFAULT_TRUST_EXPIRY)) ??
          EXPIRY_OPTIONS[2]!,
      },
    });
  }
  blocks.push(context(`Finding ${code(f.id, 400)}`));
  return {
    type: 'modal',
    callback_id: REASON_CALLBACK,
    private_metadata: encodeMetadata(input.metadata),
    title: plain(w.title, VIEW_LIMITS.title),
    submit: plain(w.submit, VIEW_LIMITS.submit),
    close: plain('Cancel', VIEW_LIMITS.close),
    blocks,
  };
}

/** The submitted state, loosely typed as Bolt hands it over (block_id → action_id → value). */
const stateValues = z.record(
  z.string(),
  z.record(
    z.string(),
    z.looseObject({
      type: z.string(),
      value: z.string().nullable().optional(),
      selected_option: z.looseObject({ value: z.string() }).nullable().optional(),
    }),
  ),
);

export type ReasonSubmission =
  | { ok: true; reason?: string; expiresInDays?: number }
  /** `errors` as `response_action: "errors"` wants it: block_id → message shown under the field. */
  | { ok: false; errors: Record<string, string> };

/** Reads the reason modal's values; a missing required reason or a bad expiry become field errors. */
export function parseReasonSubmission(
  values: unknown,
  action: ReasonAction,
  requireReason: boolean,
): ReasonSubmission {
  const parsed = stateValues.safeParse(values ?? {});
  if (!parsed.success)
    return { ok: false, errors: { [REASON_BLOCK]: 'The form arrived incomplete; try again.' } };
  const v = parsed.data;
  const raw = v[REASON_BLOCK]?.[REASON_INPUT]?.value ?? '';
  const reason = truncate(clean(raw).trim(), REASON_MAX);
  const errors: Record<string, string> = {};
  if (reasonRequired(action, requireReason) && reason.length < 3)
    errors[REASON_BLOCK] = `Say why you ${WORDS[action].verb} it (at least 3 characters).`;
  let expiresInDays: number | undefined;
  if (action === 'trust') {
    const choice = v[EXPIRY_BLOCK]?.[EXPIRY_INPUT]?.selected_option?.value ?? 'never';
    if (!(EXPIRY_CHOICES as readonly string[]).includes(choice))
      errors[EXPIRY_BLOCK] = 'Pick 7, 30 or 90 days, or never.';
    else if (choice !== 'never') expiresInDays = Number(choice);
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, ...(reason ? { reason } : {}), ...(expiresInDays ? { expiresInDays } : {}) };
}

export interface TwoPersonRequest {
  action: ReasonAction;
  finding: Finding;
  requestedBy: string;
  requestedAt: string;
  reason?: string;
  expiresAt: string;
}

/**
 * A finding awaiting a second approver (`slack.twoPersonRule`): who asked, why, until when, and
 * Confirm / Reject for the others (the requester's own Confirm is refused server-side).
 */
export function twoPersonBlocks(r: TwoPersonRequest): KnownBlock[] {
  const w = WORDS[r.action];
  const reason = r.reason ? `\n>${esc(r.reason, REASON_MAX)}` : '';
  return [
    section(
      `⏳ *Awaiting a second approver*: ${userMention(r.requestedBy)} asked to ${w.verb} ` +
        `${r.action === 'trust' || r.action === 'block-account' ? `account ${code(r.finding.ownerAccountId, 40)}` : `${kindLabel(r.finding.kind)} ${code(r.finding.resourceId, 300)}`}` +
        ` ${slackDate(r.requestedAt)}.${reason}`,
    ),
    actions(
      button({
        text: 'Confirm',
        actionId: TWO_PERSON_ACTIONS.confirm,
        value: r.finding.id,
        style: 'primary',
        confirm: {
          title: `Confirm: ${w.title}?`,
          text: `${whatHappensPlain(r.action)} You are the second approver; ${truncate(clean(r.requestedBy), 40)} asked for it.`,
          confirm: 'Confirm',
          deny: 'Cancel',
        },
      }),
      button({ text: 'Reject', actionId: TWO_PERSON_ACTIONS.reject, value: r.finding.id, style: 'danger' }),
    ),
    context(
      `Someone other than ${userMention(r.requestedBy)} must confirm; the request expires ${slackDate(r.expiresAt)}.`,
    ),
  ];
}

function whatHappensPlain(action: ReasonAction): string {
  return {
    trust: 'The owner goes on the trust list.',
    remove: 'The share is removed in AWS.',
    'block-account': 'The owner account is blocked by the guard policy.',
    'delete-at-source': "The resource is deleted in its owner's account.",
  }[action];
}
