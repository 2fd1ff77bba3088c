/**
 * The remediation registry: every rung, and per kind and decision the ladder of rungs, strongest first.
 * Confirm dialogs, `shareguard remediate --plan` and `shareguard iam-policy` are generated from it.
 * docs/aws.md "The removal ladder"
 */
import type { Config } from '../config/schema.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import { monitoredAccount, monitoredAccounts } from '../scan/from-config.ts';
import { KINDS } from '../aws/kinds/index.ts';
import { RESOURCE_KINDS, type Finding, type ResourceKind } from '../domain/finding.ts';
import type { DecisionAction, RemediationId } from '../domain/lifecycle.ts';
import type { GuardMode } from './guard-port.ts';
import { block } from './steps/block.ts';
import { cancelAsRecipient } from './steps/cancel-as-recipient.ts';
import { deleteAtSource } from './steps/delete-at-source.ts';
import { revokeAtSource } from './steps/revoke-at-source.ts';
import { revokeOrgShare } from './steps/revoke-org-share.ts';
import type { Remediation, RemediationContext, RemediationRole } from './types.ts';

export const REMEDIATIONS: Record<RemediationId, Remediation> = {
  'revoke-at-source': revokeAtSource,
  'cancel-as-recipient': cancelAsRecipient,
  block,
  'delete-at-source': deleteAtSource,
  'revoke-org-share': revokeOrgShare,
};

/** What Remove walks, per kind, strongest first: declared by each kind module (`remediation.remove`). */
export const REMOVE_LADDER = Object.fromEntries(
  RESOURCE_KINDS.map((k) => [k, KINDS[k].remediation.remove]),
) as Record<ResourceKind, readonly RemediationId[]>;

/** The decisions that walk a ladder, and the rungs each may take. */
export type LadderAction = Extract<DecisionAction, 'remove' | 'delete-at-source' | 'revoke-org-share'>;

export function ladderFor(action: LadderAction, kind: ResourceKind): readonly RemediationId[] {
  switch (action) {
    case 'remove':
      return REMOVE_LADDER[kind];
    case 'delete-at-source':
      return ['delete-at-source'];
    case 'revoke-org-share':
      return KINDS[kind].remediation.orgShares ? ['revoke-org-share'] : [];
  }
}

/** The rungs that apply to a finding now, in order (the runner still stops once it is gone). */
export function applicableRungs(action: LadderAction, f: Finding, ctx: RemediationContext): Remediation[] {
  return ladderFor(action, f.kind)
    .map((id) => REMEDIATIONS[id])
    .filter((r) => r.appliesTo(f, ctx));
}

/** Whether the account is a source shareguard may act on as owner (configured as a trusted source or not). */
export function ownerSideAccount(config: Config, ownerAccountId: string): MonitoredAccount | undefined {
  return monitoredAccounts(config).find((a) => a.id === ownerAccountId);
}

/**
 * What is known when deciding the rungs: the owner side is available when the owner is a monitored
 * account (shareguard has a role there). A monitored owner is normally trusted (no finding at all);
 * `trustedSource: false` in its account entry (sandboxes) makes its shares findings, revocable at source.
 */
export function remediationContext(
  config: Config,
  f: Pick<Finding, 'accountId' | 'ownerAccountId'>,
  overrides: { dryRun?: boolean; guardMode?: GuardMode } = {},
): RemediationContext {
  const owner = ownerSideAccount(config, f.ownerAccountId);
  // With `organization`, the recipient may be a discovered account: the default role there.
  const recipient = monitoredAccount(config, f.accountId);
  return {
    ...(owner ? { owner } : {}),
    ...(recipient ? { recipient } : {}),
    guardMode: overrides.guardMode ?? guardModeOf(config),
    dryRun: overrides.dryRun ?? config.remediation.dryRun,
  };
}

/** Per finding, what the rungs depend on, for the buttons and confirm dialogs (see RemediationView). */
export function remediationView(config: Config): (f: Finding) => RemediationContext {
  return (f) => remediationContext(config, f);
}

/** `guard.mode` from the config. */
export function guardModeOf(config: Config): GuardMode {
  return config.guard.mode;
}

/** The words of a confirm dialog: the exact rungs that will run, in order. */
export function planWords(action: LadderAction, f: Finding, ctx: RemediationContext): string[] {
  const rungs = applicableRungs(action, f, ctx);
  const lines = rungs.map((r, i) => `${i + 1}. ${r.plan(f, ctx)}`);
  if (action === 'remove' && rungs.length > 1)
    lines.push('Each step runs only if the resource is still visible after the one before.');
  if (ctx.dryRun) lines.unshift('Dry run: nothing will change; each step is only checked.');
  return lines;
}

/** The confirm dialog's text (≤ 300 characters in Slack): the rungs, in order, in a few words each. */
export function confirmWords(action: LadderAction, f: Finding, ctx: RemediationContext): string {
  const rungs = applicableRungs(action, f, ctx).map((r) => r.step(f, ctx));
  const dry = ctx.dryRun ? 'Dry run, nothing changes. Would ' : '';
  if (rungs.length === 1) return `${dry}${dry ? rungs[0] : cap(rungs[0]!)}.`;
  const steps = rungs.map((s, i) => `${i + 1}) ${s}`).join('; ');
  return `${dry || 'In order, '}each while it is still visible: ${steps}.`;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** IAM actions per identity, generated from every rung that applies to the kinds. */
export function remediationActions(
  kinds: readonly ResourceKind[] = RESOURCE_KINDS,
): Record<RemediationRole, string[]> {
  const out: Record<RemediationRole, Set<string>> = {
    remediation: new Set(),
    owner: new Set(),
    guard: new Set(),
  };
  const ids = new Set<RemediationId>();
  for (const k of kinds) {
    for (const a of ['remove', 'delete-at-source', 'revoke-org-share'] as const)
      for (const id of ladderFor(a, k)) ids.add(id);
  }
  for (const id of ids) {
    const r = REMEDIATIONS[id];
    for (const [role, actions] of Object.entries(r.iamActions) as Array<[RemediationRole, readonly string[]]>)
      for (const a of actions) out[role].add(a);
  }
  // Drop actions of services none of the kinds use (e.g. rds:* when only AMIs are scanned).
  const services = new Set<string>(kinds.map((k) => KINDS[k].service));
  const filter = (xs: Set<string>, role: RemediationRole) =>
    [...xs].filter((a) => role === 'guard' || services.has(a.split(':')[0]!)).sort();
  return {
    remediation: filter(out.remediation, 'remediation'),
    owner: filter(out.owner, 'owner'),
    guard: filter(out.guard, 'guard'),
  };
}
