/**
 * A resource kind that exists only in the tests ("test widget"), registered the way CONTRIBUTING.md's
 * "Add a resource kind" says: its id appended to `RESOURCE_KINDS` and its module to `KINDS`, nothing
 * else. Import this module FIRST in a test file: modules that derive from the registry when they load
 * (the config schema's `kinds`, the `kind=` filter, button payloads, help texts) must load after it,
 * exactly as they would after the two one-line edits.
 *
 * It lists through the simulator: EBS snapshots restorable by the account (the simulator has no
 * widgets), through the generic `ctx.client(service)`, normalised to its own kind id and label.
 */
import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { KINDS, type ResourceKindModule } from '../../src/aws/kinds/index.ts';
import { ebsSnapshot } from '../../src/aws/kinds/ebs-snapshot.ts';
import { RESOURCE_KINDS, findingId, type Finding, type ResourceKind } from '../../src/domain/finding.ts';

// The id is not in the ResourceKind union (that is the product's list); the casts are the price of
// adding a kind at run time instead of in the source.
export const WIDGET = 'test-widget' as ResourceKind;

export const widgetKind: ResourceKindModule = {
  kind: WIDGET,
  label: { one: 'Test widget', many: 'Test widgets' },
  service: 'ec2',
  scanActions: ['ec2:DescribeSnapshots'],
  async list(ctx) {
    const out = await ctx.client('ec2').send(new DescribeSnapshotsCommand({ RestorableByUserIds: ['self'] }));
    return (out.Snapshots ?? [])
      .filter((s) => s.SnapshotId && s.OwnerId && s.OwnerId !== ctx.account.id)
      .map((s): Finding => ({
        id: findingId(WIDGET, ctx.account.id, ctx.region, s.SnapshotId!),
        kind: WIDGET,
        accountId: ctx.account.id,
        region: ctx.region,
        resourceId: s.SnapshotId!,
        resourceArn: `arn:aws:ec2:${ctx.region}::snapshot/${s.SnapshotId}`,
        ownerAccountId: s.OwnerId!,
        sharedVia: 'account',
        ...(s.VolumeSize !== undefined ? { sizeGiB: s.VolumeSize } : {}),
      }));
  },
  details: (f) => [`widget of ${f.sizeGiB ?? '?'} GiB`],
  notes: () => [{ text: 'a test widget note' }],
  // No blast radius; Remove can only record the decision (no owner-side role, guard off in the test).
  remediation: { remove: ['revoke-at-source', 'block'], orgShares: false },
  // Its AWS calls are the EBS snapshot ones: the simulator answers them.
  source: ebsSnapshot.source,
  guard: ebsSnapshot.guard,
};

if (!(RESOURCE_KINDS as readonly string[]).includes(WIDGET)) {
  (RESOURCE_KINDS as unknown as string[]).push(WIDGET);
  (KINDS as unknown as Record<string, ResourceKindModule>)[WIDGET] = widgetKind;
}
