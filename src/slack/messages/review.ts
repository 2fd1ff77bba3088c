/**
 * Owner-first triage (issue 23 item 1): the Review modal and the Home tab's findings pages. Open findings
 * (one owner's, or all of them), filtered by kind / account / risk, most urgent first, a page at a time
 * within Slack's 100 blocks per view, each with Remove / Trust that carry out exactly one decision
 * through the decision listeners. The page and the filters travel in the view's `private_metadata` (or a
 * button's value): routing only, the findings are re-read from the store on every click.
 */
import type { Button, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import { z } from 'zod';
import { RESOURCE_KINDS, RISK_LEVELS, type ResourceKind, type RiskLevel } from '../../domain/finding.ts';
import type { FindingRecord } from '../../domain/lifecycle.ts';
import { ACCOUNT_ID_PATTERN } from '../../domain/ids.ts';
import { riskRank } from '../../domain/risk.ts';
import { actions, button, context, option, plain, section, select } from './blocks.ts';
import { findingButtons, findingLine, modalFollows, removeButton, trustButton } from './finding.ts';
import type { RemediationView } from './finding-buttons.ts';
import { kindLabel } from './labels.ts';
import { VIEW_LIMITS } from './limits.ts';
import { RISK_EMOJI } from './risk.ts';
import { code } from './text.ts';

/** `callback_id` of the Review modal. */
export const REVIEW_CALLBACK = 'shareguard.review';

/**
 * Action ids of the triage controls. `open` (a button or a select, value: an encoded `ReviewState`) opens
 * the Review modal from a message or the Home tab; the filters and the page controls re-render the view
 * they sit in; `remove` / `trust` are the Review modal's decision buttons when a reason modal follows
 * (it is pushed on top of the Review: views.push). Several selects of one kind in a block get a suffix.
 */
export const REVIEW_ACTIONS = {
  open: 'shareguard.review.open',
  kind: 'shareguard.review.kind',
  account: 'shareguard.review.account',
  risk: 'shareguard.review.risk',
  prev: 'shareguard.review.prev',
  next: 'shareguard.review.next',
  goto: 'shareguard.review.goto',
  remove: 'shareguard.review.remove',
  trust: 'shareguard.review.trust',
} as const;

/** Findings per Review page: two blocks each, plus at most 8 others, within 100 blocks. */
export const REVIEW_PAGE_SIZE = 40;
/** Findings per Home page: the Home tab also holds the summary, decisions and the trust list. */
export const HOME_PAGE_SIZE = 20;
/** Options of one select (Slack allows 100). */
const SELECT_MAX = 100;

const accountId = z.string().regex(ACCOUNT_ID_PATTERN);

/** Which findings a Review or Home page shows: owner, kind, account, risk, and the page (0-based). */
export const reviewState = z.strictObject({
  v: z.literal(1),
  o: accountId.optional(),
  k: z.enum(RESOURCE_KINDS).optional(),
  a: accountId.optional(),
  r: z.enum(RISK_LEVELS).optional(),
  p: z.int().min(0).max(1_000_000),
});
export type ReviewState = z.infer<typeof reviewState>;

export const ALL_FINDINGS: ReviewState = { v: 1, p: 0 };

export function encodeReview(s: ReviewState): string {
  return JSON.stringify(reviewState.parse(s));
}

/**
 * A Review opener's value, compact (`444455556666:2`, `all:0`): the owners index carries one per owner,
 * and a message's blocks have a character budget.
 */
export function encodeOpener(owner: string | undefined, page = 0): string {
  return `${owner ?? 'all'}:${page}`;
}

const OPENER = /^(\d{12}|all):(\d{1,7})$/;

/** The state back from a button value, an option value or `private_metadata`; undefined when not ours. */
export function decodeReview(raw: unknown): ReviewState | undefined {
  if (typeof raw !== 'string' || raw.length > VIEW_LIMITS.privateMetadata) return undefined;
  const opener = OPENER.exec(raw);
  if (opener) {
    const parsed = reviewState.safeParse({
      v: 1,
      ...(opener[1] === 'all' ? {} : { o: opener[1] }),
      p: Number(opener[2]),
    });
    return parsed.success ? parsed.data : undefined;
  }
  try {
    const parsed = reviewState.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Most urgent first, then by id (stable across clicks, so page 3 stays page 3). */
export function triageOrder(records: readonly FindingRecord[]): FindingRecord[] {
  return [...records].sort(
    (a, b) =>
      riskRank(a.finding.risk) - riskRank(b.finding.risk) ||
      (a.finding.id < b.finding.id ? -1 : a.finding.id > b.finding.id ? 1 : 0),
  );
}

/** The open findings in scope (the owner), before the kind / account / risk filters. */
function inScope(records: readonly FindingRecord[], s: ReviewState): FindingRecord[] {
  return records.filter((r) => r.state === 'open' && (!s.o || r.finding.ownerAccountId === s.o));
}

/** The findings a state selects, most urgent first. */
export function selectFindings(records: readonly FindingRecord[], s: ReviewState): FindingRecord[] {
  return triageOrder(
    inScope(records, s).filter(
      (r) =>
        (!s.k || r.finding.kind === s.k) &&
        (!s.a || r.finding.accountId === s.a) &&
        (!s.r || r.finding.risk === s.r),
    ),
  );
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** "Findings 41–80". */
export function pageLabel(page: number, pageSize: number, total: number): string {
  if (total === 0) return 'No findings';
  const from = page * pageSize + 1;
  const to = Math.min(total, (page + 1) * pageSize);
  return from === to ? `Finding ${from}` : `Findings ${from}–${to}`;
}

const ALL = 'all';

function countBy<T extends string>(
  records: readonly FindingRecord[],
  key: (r: FindingRecord) => T | undefined,
) {
  const m = new Map<T, number>();
  for (const r of records) {
    const k = key(r);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** The kind / account / risk selects, their options counted over the scope (the owner's open findings). */
function filterSelects(scope: readonly FindingRecord[], s: ReviewState): StaticSelect[] {
  const kinds = countBy<ResourceKind>(scope, (r) => r.finding.kind);
  const risks = countBy<RiskLevel>(scope, (r) => r.finding.risk);
  const accounts = [...countBy<string>(scope, (r) => r.finding.accountId)].sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
  );
  const names = new Map(scope.map((r) => [r.finding.accountId, r.finding.accountName]));
  const kindOptions: PlainTextOption[] = [
    option('All kinds', ALL),
    ...RESOURCE_KINDS.filter((k) => kinds.has(k) || s.k === k).map((k) =>
      option(`${kindLabel(k, 2)} (${kinds.get(k) ?? 0})`, k),
    ),
  ];
  const riskOptions: PlainTextOption[] = [
    option('Any risk', ALL),
    ...RISK_LEVELS.filter((r) => risks.has(r) || s.r === r).map((r) =>
      option(`${RISK_EMOJI[r]} ${r} (${risks.get(r) ?? 0})`, r),
    ),
  ];
  // The accounts with the most findings when there are more than a select holds; the chosen one stays.
  const shown = accounts.slice(0, SELECT_MAX - 2).map(([id]) => id);
  if (s.a && !shown.includes(s.a)) shown.push(s.a);
  const accountOptions: PlainTextOption[] = [
    option(accounts.length > shown.length ? `All ${accounts.length} accounts` : 'All accounts', ALL),
    ...shown.map((id) => {
      const n = accounts.find(([a]) => a === id)?.[1] ?? 0;
      const name = names.get(id);
      return option(`${name ? `${name} ` : ''}${id} (${n})`, id);
    }),
  ];
  return [
    select(REVIEW_ACTIONS.kind, 'Kind', kindOptions, s.k ?? ALL),
    select(REVIEW_ACTIONS.account, 'Account', accountOptions, s.a ?? ALL),
    select(REVIEW_ACTIONS.risk, 'Risk', riskOptions, s.r ?? ALL),
  ];
}

/** The page controls: previous, next, and selects that jump to any page (100 pages per select). */
function pageControls(
  page: number,
  pages: number,
  pageSize: number,
  total: number,
): Array<Button | StaticSelect> {
  const out: Array<Button | StaticSelect> = [];
  if (page > 0)
    out.push(button({ text: '◀ Previous', actionId: REVIEW_ACTIONS.prev, value: String(page - 1) }));
  if (page < pages - 1)
    out.push(button({ text: 'Next ▶', actionId: REVIEW_ACTIONS.next, value: String(page + 1) }));
  for (let first = 0, n = 0; first < pages && out.length < 25; first += SELECT_MAX, n++) {
    const opts = Array.from({ length: Math.min(SELECT_MAX, pages - first) }, (_, i) =>
      option(pageLabel(first + i, pageSize, total), String(first + i)),
    );
    const current = page >= first && page < first + SELECT_MAX ? String(page) : undefined;
    out.push(
      select(n === 0 ? REVIEW_ACTIONS.goto : `${REVIEW_ACTIONS.goto}.${n}`, 'Go to page', opts, current),
    );
  }
  return out;
}

/**
 * A finding's decision buttons on a page. On the Home tab the message buttons work as they are (a modal
 * opens with views.open). In the Review modal a decision whose reason modal follows uses the Review's own
 * action ids, so that modal is pushed on top of the Review (views.push) instead of replacing it; without
 * a reason modal the message buttons (with their confirm dialog) act at once.
 */
function pageButtons(r: FindingRecord, view: RemediationView, surface: 'modal' | 'home'): Button[] {
  const f = r.finding;
  if (surface === 'home') return findingButtons(f, view);
  const dry = view(f).dryRun;
  const remove = modalFollows(view, 'remove')
    ? button({
        text: dry ? 'Remove (dry run)' : 'Remove',
        actionId: REVIEW_ACTIONS.remove,
        value: f.id,
        style: 'danger',
      })
    : removeButton(f, 'Remove', view);
  const trust = modalFollows(view, 'trust')
    ? button({ text: 'Trust account', actionId: REVIEW_ACTIONS.trust, value: f.id })
    : trustButton(f.ownerAccountId, f.id, view, 'Trust account');
  return [remove, trust];
}

export interface FindingsPageInput {
  /** Open findings from the store (any owner; the state scopes and filters them). */
  records: readonly FindingRecord[];
  state: ReviewState;
  pageSize: number;
  canDecide: boolean;
  view: RemediationView;
  surface: 'modal' | 'home';
}

export interface FindingsPage {
  blocks: KnownBlock[];
  /** The state as shown (the page clamped to the pages there are). */
  state: ReviewState;
  total: number;
  pages: number;
  /** The findings on this page, in order. */
  shown: FindingRecord[];
}

/** Filters, the page's findings (a line each, and Remove / Trust for approvers), and the page controls. */
export function findingsPage(input: FindingsPageInput): FindingsPage {
  const { state: s, pageSize } = input;
  const scope = inScope(input.records, s);
  const selected = selectFindings(input.records, s);
  const pages = pageCount(selected.length, pageSize);
  const page = Math.min(s.p, pages - 1);
  const state = { ...s, p: page };
  const shown = selected.slice(page * pageSize, (page + 1) * pageSize);
  const blocks: KnownBlock[] = [];
  if (scope.length) blocks.push({ ...actions(...filterSelects(scope, s)), block_id: 'review.filters' });
  const filtered = selected.length !== scope.length ? ` (of ${scope.length} open)` : '';
  blocks.push(
    context(
      `${pageLabel(page, pageSize, selected.length)} of ${selected.length}${filtered}, most urgent first` +
        (pages > 1 ? ` · page ${page + 1} of ${pages}` : ''),
    ),
  );
  shown.forEach((r, i) => {
    blocks.push({ ...section(findingLine(r).replace(/^• /, '')), block_id: `review.finding.${i}` });
    if (input.canDecide && !r.approval)
      blocks.push({
        ...actions(...pageButtons(r, input.view, input.surface)),
        block_id: `review.actions.${i}`,
      });
  });
  if (!shown.length) blocks.push(section('✅ Nothing open matches these filters.'));
  if (pages > 1)
    blocks.push({
      ...actions(...pageControls(page, pages, pageSize, selected.length)),
      block_id: 'review.pages',
    });
  return { blocks, state, total: selected.length, pages, shown };
}

export interface ReviewModalInput {
  records: readonly FindingRecord[];
  state: ReviewState;
  canDecide: boolean;
  view: RemediationView;
}

/** The Review modal: one owner's (or every) open finding, paged and filtered, with Remove / Trust each. */
export function reviewModal(input: ReviewModalInput): ModalView {
  const page = findingsPage({ ...input, pageSize: REVIEW_PAGE_SIZE, surface: 'modal' });
  const owner = input.state.o;
  const intro = owner
    ? `Open findings shared by untrusted account ${code(owner, 40)}. *Remove* acts on one finding; ` +
      '*Trust account* puts the whole account on the trust list.'
    : 'Every open finding. *Remove* acts on one finding; *Trust account* trusts its owner account.';
  return {
    type: 'modal',
    callback_id: REVIEW_CALLBACK,
    private_metadata: encodeReview(page.state),
    title: plain(owner ? `Review ${owner}` : 'Review findings', VIEW_LIMITS.title),
    close: plain('Done', VIEW_LIMITS.close),
    blocks: [
      section(input.canDecide ? intro : `${intro}\n👀 Read-only: only the configured approvers can decide.`),
      ...page.blocks,
    ],
  };
}
