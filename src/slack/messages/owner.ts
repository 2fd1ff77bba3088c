/**
 * Owner-first triage (issue 23 item 1): when a scan has more findings than messages worth posting, the
 * thread holds one message per untrusted owner — how many of what, how risky, where it is shared into,
 * what uses it — with the owner-level decisions (Trust account, Block account) and Review, which opens
 * the owner's findings with Remove / Trust each (review.ts). Owners beyond the message budget share one
 * index message whose selects open each owner's Review: every finding is two clicks away at most.
 */
import type { Button, KnownBlock, StaticSelect } from '@slack/types';
import type { FindingRecord } from '../../domain/lifecycle.ts';
import type { RiskLevel } from '../../domain/finding.ts';
import { RISK_LEVELS } from '../../domain/finding.ts';
import { riskRank, usageCount } from '../../domain/risk.ts';
import {
  actions,
  button,
  context,
  header,
  message,
  option,
  section,
  select,
  type SlackMessage,
} from './blocks.ts';
import { findingLine, modalFollows, trustButton, type RemediationView } from './finding.ts';
import { blockAccountButton } from './guard.ts';
import { needsAttention, stillInUseText } from './decision-text.ts';
import { accountText, kindLabel } from './labels.ts';
import { headerEmoji, RISK_EMOJI } from './risk.ts';
import { blocksChars, MAX_BLOCKS_CHARS } from './limits.ts';
import {
  encodeOpener,
  pageCount,
  pageLabel,
  REVIEW_ACTIONS,
  REVIEW_PAGE_SIZE,
  triageOrder,
} from './review.ts';
import { clean, code, esc, packLines, plural, truncate } from './text.ts';

/** A message showing several findings (an owner's, or the owners index) and the findings it shows. */
export interface GroupMessage extends SlackMessage {
  findingIds: string[];
}

/** How many of the most urgent findings an owner message names before "Review". */
const URGENT_SHOWN = 3;
/** Decided findings that still run somewhere, shown by name (the rest counted). */
const ATTENTION_SHOWN = 3;
/** Accounts named in "Shared into" before "and N more". */
const ACCOUNTS_SHOWN = 3;

/** The owner's highest risk (undefined when none is ranked). */
export function topRisk(records: readonly FindingRecord[]): RiskLevel | undefined {
  let best: RiskLevel | undefined;
  for (const r of records) if (riskRank(r.finding.risk) < riskRank(best)) best = r.finding.risk;
  return best;
}

/** "🔴 3 critical · 🟠 10 high" over the open findings. */
export function riskCountsText(records: readonly FindingRecord[]): string {
  const counts = new Map<RiskLevel, number>();
  for (const r of records)
    if (r.finding.risk) counts.set(r.finding.risk, (counts.get(r.finding.risk) ?? 0) + 1);
  return RISK_LEVELS.filter((l) => counts.has(l))
    .map((l) => `${RISK_EMOJI[l]} ${counts.get(l)} ${l}`)
    .join(' · ');
}

/** "120 AMIs · 80 EBS snapshots". */
function kindCountsText(records: readonly FindingRecord[]): string {
  const counts = new Map<FindingRecord['finding']['kind'], number>();
  for (const r of records) counts.set(r.finding.kind, (counts.get(r.finding.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${kindLabel(k, n)}`).join(' · ');
}

/** "57 accounts in 6 regions — prod `111…`, staging `222…` and 55 more". */
function sharedIntoText(records: readonly FindingRecord[]): string {
  const byAccount = new Map<string, { f: FindingRecord['finding']; n: number }>();
  for (const r of records) {
    const e = byAccount.get(r.finding.accountId);
    if (e) e.n++;
    else byAccount.set(r.finding.accountId, { f: r.finding, n: 1 });
  }
  const regions = new Set(records.map((r) => r.finding.region));
  const top = [...byAccount.values()].sort((a, b) => b.n - a.n || (a.f.accountId < b.f.accountId ? -1 : 1));
  const named = top.slice(0, ACCOUNTS_SHOWN).map((e) => accountText(e.f));
  const more = top.length - named.length;
  return (
    `${plural(byAccount.size, 'monitored account')} in ${plural(regions.size, 'region')} — ` +
    `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
  );
}

/** What already uses the owner's resources, summed: instances, volumes… and how many findings. */
function inUseText(records: readonly FindingRecord[]): string {
  const sums = { instances: 0, volumes: 0, images: 0, copies: 0, restores: 0 };
  let used = 0;
  let unknown = 0;
  let looked = 0;
  for (const r of records) {
    const u = r.finding.inUse;
    if (!u) continue;
    looked++;
    if (u.unknown?.length) unknown++;
    if (!usageCount(u)) continue;
    used++;
    sums.instances += u.instances.count;
    sums.volumes += u.volumes.count;
    sums.images += u.images.count;
    sums.copies += u.copies.count;
    sums.restores += u.restores.count;
  }
  if (!looked) return 'not looked up';
  const parts = [
    sums.instances ? plural(sums.instances, 'instance') : '',
    sums.volumes ? plural(sums.volumes, 'volume') : '',
    sums.images ? plural(sums.images, 'own AMI') : '',
    sums.copies ? plural(sums.copies, 'own copy', 'own copies') : '',
    sums.restores ? plural(sums.restores, 'restore') : '',
  ].filter(Boolean);
  const unknownText = unknown ? ` · ❔ unknown for ${plural(unknown, 'finding')}` : '';
  return parts.length
    ? `🔥 ${parts.join(', ')} (from ${plural(used, 'resource')})${unknownText}`
    : `✓ nothing uses them${unknownText}`;
}

/** Review: a button for the first page, and a select of the others when the owner has more. */
function reviewControls(owner: string, open: number): Array<Button | StaticSelect> {
  const pages = pageCount(open, REVIEW_PAGE_SIZE);
  const out: Array<Button | StaticSelect> = [
    button({
      text: `Review ${plural(open, 'finding')}`,
      actionId: REVIEW_ACTIONS.open,
      value: encodeOpener(owner, 0),
      style: 'primary',
    }),
  ];
  if (pages > 1)
    out.push(
      select(
        `${REVIEW_ACTIONS.open}.pages`,
        'Review page…',
        Array.from({ length: Math.min(100, pages) }, (_, p) =>
          option(pageLabel(p, REVIEW_PAGE_SIZE, open), encodeOpener(owner, p)),
        ),
      ),
    );
  return out;
}

/** Block account, when the owner is not a monitored account (blocking one is refused); no dialog before a modal. */
function blockButton(owner: string, first: FindingRecord, view: RemediationView): Button | undefined {
  const ctx = view(first.finding);
  if (ctx.owner) return undefined;
  const b = blockAccountButton(owner, first.finding.id, ctx.guardMode);
  if (modalFollows(view, 'block-account')) delete b.confirm;
  return b;
}

/** "12 removed · 3 trusted" for findings decided since the message was posted. */
function decidedText(records: readonly FindingRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) if (r.state !== 'open') counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(' · ');
}

/**
 * One owner's message: counts by risk and kind, where it is shared into, what uses it, the most urgent
 * findings, and Review / Trust account / Block account. Fixed size whatever the count (the findings are
 * in the Review modal), so it always fits one message.
 */
export function ownerMessage(
  ownerAccountId: string,
  records: readonly FindingRecord[],
  view: RemediationView,
): GroupMessage {
  const owner = truncate(clean(ownerAccountId), 40);
  const ordered = triageOrder(records);
  const open = ordered.filter((r) => r.state === 'open');
  const subject = open.length ? open : ordered;
  const risk = topRisk(open);
  // Removed or blocked, but instances, volumes or copies still run from it (issue 23 item 5): not done.
  const attention = ordered.filter(needsAttention);
  const emoji = open.length ? headerEmoji(risk) : attention.length ? '⚠️' : '✔️';
  const blocks: KnownBlock[] = [
    header(`${emoji} Untrusted account ${owner} shared ${plural(records.length, 'resource')}`),
  ];
  const facts = [
    riskCountsText(subject) ? `*Risk* ${riskCountsText(subject)}` : '',
    `*What* ${kindCountsText(subject)}`,
    `*Shared into* ${sharedIntoText(subject)}`,
    `*In use* ${inUseText(subject)}`,
    decidedText(records) ? `*Decided* ${decidedText(records)} · ${open.length} still open` : '',
  ].filter(Boolean);
  blocks.push(section(facts.join('\n')));
  if (attention.length) {
    const lines = attention
      .slice(0, ATTENTION_SHOWN)
      .map((r) => `• ⚠️ ${findingLine(r)} (${r.state})\n    ${stillInUseText(r)!}`);
    const more = attention.length - ATTENTION_SHOWN;
    if (more > 0) lines.push(`…and ${plural(more, 'more decided finding')} still in use (Review shows them)`);
    const { chunks } = packLines(lines, { maxChars: 2800 });
    blocks.push(section(`*Needs attention* — decided, but still in use\n${chunks[0] ?? ''}`));
  }
  if (open.length) {
    const urgent = open.slice(0, URGENT_SHOWN).map(findingLine);
    const { chunks } = packLines(urgent, { maxChars: 2800 });
    blocks.push(section(`*Most urgent*\n${chunks[0] ?? ''}`));
    const first = open[0]!;
    const block = blockButton(ownerAccountId, first, view);
    blocks.push(
      actions(
        ...reviewControls(ownerAccountId, open.length),
        trustButton(ownerAccountId, first.finding.id, view),
        ...(block ? [block] : []),
      ),
      context(
        `*Review* lists each finding with Remove / Trust (${REVIEW_PAGE_SIZE} a page, filterable). ` +
          `*Trust account* and *Block account* decide for all ${plural(open.length, 'open finding')} of ${code(ownerAccountId, 40)} at once.`,
      ),
    );
  } else blocks.push(context('Every finding of this owner has been decided.'));
  const text =
    `${emoji} Untrusted account ${esc(ownerAccountId, 40)} shared ` +
    `${plural(records.length, 'resource')} into ${sharedIntoText(subject).split(' — ')[0]}` +
    (open.length ? ` (${open.length} open)` : '') +
    (attention.length ? ` (${attention.length} decided but still in use)` : '');
  return { ...message(text, blocks), findingIds: ordered.map((r) => r.finding.id) };
}

/** Owners in triage order: the most risky first, then the most findings, then by id. */
export function ownersByRisk(records: readonly FindingRecord[]): Array<[string, FindingRecord[]]> {
  const byOwner = new Map<string, FindingRecord[]>();
  for (const r of records) {
    const list = byOwner.get(r.finding.ownerAccountId);
    if (list) list.push(r);
    else byOwner.set(r.finding.ownerAccountId, [r]);
  }
  return [...byOwner].sort(
    (a, b) =>
      riskRank(topRisk(a[1])) - riskRank(topRisk(b[1])) ||
      b[1].length - a[1].length ||
      (a[0] < b[0] ? -1 : 1),
  );
}

/** Owners named in the index message's text before "and N more" (the menu reaches all of them). */
const INDEX_LINES = 20;
/** Characters of blocks the index allows itself (under `MAX_BLOCKS_CHARS`, with room for the rest). */
const INDEX_BUDGET = MAX_BLOCKS_CHARS - 1500;

/**
 * The owners that did not get a message of their own: a line each (first 20), a menu that opens each
 * owner's Review (as many owners as the message's character budget holds, most risky first), and
 * "Review all" for every open finding (paged, filterable): any finding is two clicks away at most.
 */
export function ownersIndexMessage(
  owners: ReadonlyArray<[string, FindingRecord[]]>,
  shownOwners: number,
): GroupMessage {
  const findings = owners.reduce((n, [, list]) => n + list.length, 0);
  const lines = owners.map(
    ([owner, list]) =>
      `• ${code(owner, 40)} — ${plural(list.length, 'finding')}` +
      `${riskCountsText(list) ? ` · ${riskCountsText(list)}` : ''} · ${kindCountsText(list)}`,
  );
  const { chunks, omitted } = packLines(lines, { maxLines: INDEX_LINES, maxTotal: 2000 });
  const head =
    `📋 ${plural(owners.length, 'more untrusted owner')} with ${plural(findings, 'finding')} ` +
    `(after the ${plural(shownOwners, 'owner')} above)`;
  const all = button({
    text: 'Review all open findings',
    actionId: `${REVIEW_ACTIONS.open}.all`,
    value: encodeOpener(undefined, 0),
  });
  const build = (n: number): KnownBlock[] => {
    const options = owners.slice(0, n).map(([owner, list]) => {
      const risk = topRisk(list);
      return option(
        `${owner} · ${plural(list.length, 'finding')}${risk ? ` · ${risk}` : ''}`,
        encodeOpener(owner, 0),
      );
    });
    const selects: StaticSelect[] = [];
    for (let i = 0; i < options.length; i += 100)
      selects.push(
        select(
          selects.length === 0 ? REVIEW_ACTIONS.open : `${REVIEW_ACTIONS.open}.${selects.length}`,
          selects.length === 0 ? 'Review an owner…' : 'More owners…',
          options.slice(i, i + 100),
        ),
      );
    return [
      header(head),
      section(`${chunks[0] ?? ''}${omitted ? `\n…and ${plural(omitted, 'more owner')}` : ''}`),
      actions(...selects.slice(0, 24), all),
      context(
        'Pick an owner to review its findings with Remove / Trust, most risky first; ' +
          '*Review all* pages through every open finding. The Home tab lists them too.',
      ),
    ];
  };
  // As many owners in the menu as the budget holds (the rest are under "Review all").
  let n = owners.length;
  while (n > 0 && blocksChars(build(n)) > INDEX_BUDGET) n = Math.floor(n * 0.9);
  return {
    ...message(head, build(n)),
    findingIds: owners.flatMap(([, list]) => list.map((r) => r.finding.id)),
  };
}
