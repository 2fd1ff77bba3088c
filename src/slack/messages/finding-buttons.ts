/** The buttons of a finding message (Trust, Remove, Delete at source, Revoke organization share) and their confirms. */
import type { Button } from '@slack/types';
import { kindLabel } from '../../aws/kinds/index.ts';
import type { Finding } from '../../domain/finding.ts';
import type { FindingRecord } from '../../domain/lifecycle.ts';
import { applicableRungs, confirmWords } from '../../remediate/registry.ts';
import type { RemediationContext } from '../../remediate/types.ts';
import { button, type ButtonSpec } from './blocks.ts';
import { blockAccountButton } from './guard.ts';
import { clean, truncate } from './text.ts';
import { withUsageWarning } from './risk.ts';

/** Action ids of the buttons; each button's `value` is only the finding id (the server re-loads the finding). */
export const ACTIONS = {
  trust: 'shareguard.trust',
  remove: 'shareguard.remove',
  deleteAtSource: 'shareguard.delete-at-source',
  revokeOrgShare: 'shareguard.revoke-org-share',
  unblock: 'shareguard.unblock',
} as const;

/** The decisions whose click may open the reason modal (src/slack/listeners/views/reason.ts). */
export type ModalAction = 'trust' | 'remove' | 'delete-at-source' | 'block-account';

/**
 * What the remediation rungs depend on for a finding (owner-side role, guard mode, dry run), so the
 * buttons and confirm dialogs say exactly what will run. Built from the config by `decisionView`
 * (src/slack/decision-view.ts); without one, nothing is assumed: no owner side, guard off.
 * `modalFollows` says whether a click on the action opens the reason modal (`slack.requireReason`, a
 * two-person rule): then the modal is the confirmation and the button carries no confirm dialog
 * (issue 23 item 2: one step per decision). Absent: no modal, so the confirm dialog stays.
 */
export type RemediationView = ((f: Finding) => RemediationContext) & {
  modalFollows?: (action: ModalAction) => boolean;
};
export const NO_REMEDIATION_VIEW: RemediationView = () => ({ guardMode: 'off', dryRun: false });

/** Whether a click on `action` opens the reason modal under this view. */
export function modalFollows(view: RemediationView, action: ModalAction): boolean {
  return view.modalFollows?.(action) ?? false;
}

/** The confirm dialog, unless a modal follows the click (the modal confirms then: one step, not two). */
function confirmUnlessModal(
  view: RemediationView,
  action: ModalAction,
  confirm: NonNullable<ButtonSpec['confirm']>,
): Pick<ButtonSpec, 'confirm'> {
  return modalFollows(view, action) ? {} : { confirm };
}

/** Trust (the owner account): a plain button; Remove is the message's primary action. */
export function trustButton(
  ownerAccountId: string,
  findingId: string,
  view: RemediationView = NO_REMEDIATION_VIEW,
  text = `Trust account ${truncate(clean(ownerAccountId), 40)}`,
): Button {
  const owner = truncate(clean(ownerAccountId), 40);
  return button({
    text,
    actionId: ACTIONS.trust,
    value: findingId,
    ...confirmUnlessModal(view, 'trust', {
      title: `Trust account ${owner}?`,
      text:
        `Everything account ${owner} shares into any monitored account will stop being reported, ` +
        'until it is removed from the trust list.',
      confirm: 'Trust',
      deny: 'Cancel',
    }),
  });
}

/** Remove: its confirm dialog (or the modal) lists the rungs that will run, in order (from the registry). */
export function removeButton(
  f: Finding,
  text = 'Remove',
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button {
  const ctx = view(f);
  const onlyRecord =
    applicableRungs('remove', f, ctx).every((r) => r.id === 'block') && ctx.guardMode === 'off';
  return button({
    text: ctx.dryRun ? `${text} (dry run)` : text,
    actionId: ACTIONS.remove,
    value: f.id,
    style: 'danger',
    ...confirmUnlessModal(view, 'remove', {
      title: ctx.dryRun
        ? `Dry run: remove this ${kindLabel(f.kind)}?`
        : onlyRecord
          ? 'Only the owner can unshare this'
          : `Remove this ${kindLabel(f.kind)}?`,
      // "3 running instances keep running; removing does not stop them."
      text: withUsageWarning(f, confirmWords('remove', f, ctx)),
      confirm: onlyRecord ? 'Record decision' : 'Remove',
      deny: 'Cancel',
      style: 'danger',
    }),
  });
}

/** Delete at the source: only when shareguard has a role in the owner account; its own confirm. */
export function deleteAtSourceButton(
  f: Finding,
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button | undefined {
  const ctx = view(f);
  if (applicableRungs('delete-at-source', f, ctx).length === 0) return undefined;
  return button({
    text: ctx.dryRun ? 'Delete at source (dry run)' : 'Delete at source',
    actionId: ACTIONS.deleteAtSource,
    value: f.id,
    style: 'danger',
    ...confirmUnlessModal(view, 'delete-at-source', {
      title: `Delete this ${kindLabel(f.kind)} in its owner account?`,
      text: withUsageWarning(f, confirmWords('delete-at-source', f, ctx), 'deleting it at the source'),
      confirm: 'Delete',
      deny: 'Cancel',
      style: 'danger',
    }),
  });
}

/** Revoke the organization share at the source: offered when a revoke left one in place (AMIs). */
export function revokeOrgShareButton(
  record: FindingRecord,
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button | undefined {
  const f = record.finding;
  const ctx = view(f);
  if (!record.orgShares?.length || applicableRungs('revoke-org-share', f, ctx).length === 0) return undefined;
  return button({
    text: 'Revoke organization share',
    actionId: ACTIONS.revokeOrgShare,
    value: f.id,
    style: 'danger',
    confirm: {
      title: 'Revoke the organization share?',
      text: confirmWords('revoke-org-share', f, ctx),
      confirm: 'Revoke',
      deny: 'Cancel',
      style: 'danger',
    },
  });
}

/** Unblock: takes a resource its own Remove put on the guard off it again (verified); its own confirm. */
export function unblockButton(record: FindingRecord): Button | undefined {
  if (record.state !== 'blocked' || record.decision?.action !== 'remove') return undefined;
  const f = record.finding;
  return button({
    text: 'Unblock',
    actionId: ACTIONS.unblock,
    value: f.id,
    confirm: {
      title: `Unblock this ${kindLabel(f.kind)}?`,
      text: `The guard will stop denying its use in account ${truncate(clean(f.accountId), 40)}, and the finding is open again.`,
      confirm: 'Unblock',
      deny: 'Cancel',
    },
  });
}

/**
 * Remove (the primary, danger-styled action), Trust (for the owner, plain), where the owner side
 * allows Delete at source, and Block account (for the owner); each carries only the finding id.
 */
export function findingButtons(f: Finding, view: RemediationView = NO_REMEDIATION_VIEW): Button[] {
  const del = deleteAtSourceButton(f, view);
  return [
    removeButton(f, 'Remove', view),
    trustButton(f.ownerAccountId, f.id, view),
    ...(del ? [del] : []),
    blockAccountButton(f.ownerAccountId, f.id, view(f).guardMode),
  ];
}

/** Buttons still useful once Remove ended blocked / recorded: the owner-side decisions. */
export function afterRemoveButtons(
  record: FindingRecord,
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button[] {
  if (!['blocked', 'recorded', 'owner-only'].includes(record.state)) return [];
  const org = revokeOrgShareButton(record, view);
  const del = deleteAtSourceButton(record.finding, view);
  const unblock = unblockButton(record);
  // Closed by Block account: Trust lifts the owner's deny (Unblock account is the slash command).
  const trust =
    record.state === 'blocked' && record.decision?.action === 'block-account'
      ? trustButton(record.finding.ownerAccountId, record.finding.id, view)
      : undefined;
  return [
    ...(org ? [org] : []),
    ...(del ? [del] : []),
    ...(unblock ? [unblock] : []),
    ...(trust ? [trust] : []),
  ];
}
