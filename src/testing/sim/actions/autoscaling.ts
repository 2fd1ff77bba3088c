// Auto Scaling (AWS Query protocol, version 2011-01-01; issue 23): the acting account's Auto Scaling
// groups and legacy launch configurations in the request region — what a blast-radius lookup reads to
// see which group would launch an AMI next (docs/simulator.md "Launch templates, Auto Scaling, Image
// Builder").
import { SimError } from '../protocol/errors.ts';
import { el, isoTime, memberList, wrap } from '../protocol/xml.ts';
import type { WorldLaunchTemplateRef } from '../world.ts';
import { decodeToken, encodeToken, optionalInt, type ActionDef, type Category, type Ctx } from './common.ts';

const describe = (): Category => 'describe';

/** `MaxRecords` 1–100 (AWS: default 50 groups, 100 launch configurations). */
function maxRecords(ctx: Ctx, fallback: number): number {
  const n = optionalInt(ctx.params, 'MaxRecords') ?? fallback;
  if (n < 1 || n > 100)
    throw new SimError(
      'ValidationError',
      `1 validation error detected: Value '${n}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  return n;
}

function pageOf<T>(ctx: Ctx, items: readonly T[], keyOf: (x: T) => string, fallback: number) {
  const limit = maxRecords(ctx, fallback);
  const after = decodeToken(ctx.params.get('NextToken'), 'InvalidNextToken');
  const from = after === undefined ? 0 : items.findIndex((x) => keyOf(x) > after);
  const start = from < 0 ? items.length : from;
  const page = items.slice(start, start + limit);
  const next = start + page.length < items.length ? encodeToken(keyOf(page.at(-1)!)) : undefined;
  return { page, next };
}

function templateSpec(r: WorldLaunchTemplateRef, ctx: Ctx): string {
  // AWS answers both the id and the name of the template a group names, and its version as given.
  const t = ctx.state.launchers.templates
    .in(ctx.account.id, ctx.region)
    .find((x) => (r.id !== undefined ? x.id === r.id : x.name === r.name));
  return (
    el('LaunchTemplateId', r.id ?? t?.id) +
    el('LaunchTemplateName', r.name ?? t?.name) +
    el('Version', r.version ?? '$Default')
  );
}

function describeAutoScalingGroups(ctx: Ctx): string {
  const names = ctx.params.list('AutoScalingGroupNames.member');
  const all = ctx.state.launchers.groups.in(ctx.account.id, ctx.region);
  const groups = names.length ? all.filter((g) => names.includes(g.name)) : all;
  const { page, next } = pageOf(ctx, groups, (g) => g.name, 50);
  return (
    memberList('AutoScalingGroups', 'member', page, (g) => {
      const mip = g.mixedInstancesPolicy;
      return (
        el('AutoScalingGroupName', g.name) +
        el(
          'AutoScalingGroupARN',
          `arn:aws:autoscaling:${g.region}:${g.account}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${g.name}`,
        ) +
        el('LaunchConfigurationName', g.launchConfigurationName) +
        (g.launchTemplate ? wrap('LaunchTemplate', templateSpec(g.launchTemplate, ctx)) : '') +
        (mip
          ? wrap(
              'MixedInstancesPolicy',
              wrap(
                'LaunchTemplate',
                wrap('LaunchTemplateSpecification', templateSpec(mip.launchTemplate, ctx)) +
                  memberList(
                    'Overrides',
                    'member',
                    mip.overrides ?? [],
                    (o) =>
                      el('InstanceType', o.instanceType) +
                      (o.launchTemplate
                        ? wrap('LaunchTemplateSpecification', templateSpec(o.launchTemplate, ctx))
                        : ''),
                  ),
              ),
            )
          : '') +
        el('MinSize', 0) +
        el('MaxSize', Math.max(1, g.desiredCapacity ?? 1)) +
        el('DesiredCapacity', g.desiredCapacity ?? 1) +
        el('DefaultCooldown', 300) +
        memberList('AvailabilityZones', 'member', [`${g.region}a`], (z) => z) +
        el('HealthCheckType', 'EC2') +
        el('CreatedTime', isoTime('2025-01-01T00:00:00.000Z')) +
        memberList(
          'Instances',
          'member',
          g.instanceIds ?? [],
          (id) =>
            el('InstanceId', id) +
            el('AvailabilityZone', `${g.region}a`) +
            el('LifecycleState', 'InService') +
            el('HealthStatus', 'Healthy') +
            el('ProtectedFromScaleIn', false),
        )
      );
    }) + el('NextToken', next)
  );
}

function describeLaunchConfigurations(ctx: Ctx): string {
  const names = ctx.params.list('LaunchConfigurationNames.member');
  if (names.length > 50)
    throw new SimError('ValidationError', 'At most 50 launch configuration names may be given');
  const all = ctx.state.launchers.configurations.in(ctx.account.id, ctx.region);
  const configs = names.length ? all.filter((c) => names.includes(c.name)) : all;
  const { page, next } = pageOf(ctx, configs, (c) => c.name, 100);
  return (
    memberList(
      'LaunchConfigurations',
      'member',
      page,
      (c) =>
        el('LaunchConfigurationName', c.name) +
        el(
          'LaunchConfigurationARN',
          `arn:aws:autoscaling:${c.region}:${c.account}:launchConfiguration:00000000-0000-0000-0000-000000000000:launchConfigurationName/${c.name}`,
        ) +
        el('ImageId', c.imageId) +
        el('InstanceType', 't3.micro') +
        memberList(
          'BlockDeviceMappings',
          'member',
          c.blockDeviceSnapshotIds ?? [],
          (snap) => el('DeviceName', '/dev/sdb') + wrap('Ebs', el('SnapshotId', snap)),
        ) +
        el('CreatedTime', isoTime('2020-01-01T00:00:00.000Z')),
    ) + el('NextToken', next)
  );
}

export const AUTOSCALING_ACTIONS: Record<string, ActionDef> = {
  DescribeAutoScalingGroups: { run: describeAutoScalingGroups, category: describe },
  DescribeLaunchConfigurations: { run: describeLaunchConfigurations, category: describe },
};
