// DescribeLaunchTemplateVersions (issue 23, docs/simulator.md "Launch templates, Auto Scaling, Image
// Builder"): one template's versions, or — without a template — the `$Latest` and/or `$Default`
// versions of every launch template of the acting account in the region, as AWS documents.
import { el, isoTime, itemSet, wrap } from '../../protocol/xml.ts';
import { SimError } from '../../protocol/errors.ts';
import type { WorldLaunchTemplate } from '../../world.ts';
import {
  decodeToken,
  dryRunGate,
  ec2Filters,
  ec2MaxResults,
  encodeToken,
  filterPredicate,
  invalidValue,
  optionalBool,
  optionalInt,
  type ActionDef,
  type Ctx,
} from '../common.ts';
import { describe } from './shared.ts';

type Version = WorldLaunchTemplate['versions'][number];
interface Row {
  template: WorldLaunchTemplate;
  version: Version;
  key: string;
}

/** The filters the simulator answers; `block-device-mapping.snapshot-id` is not one (UNCONFIRMED in AWS). */
const FILTERS = {
  'image-id': (r: Row) => r.version.imageId,
  'is-default-version': (r: Row) => String(isDefault(r.template, r.version)),
};

function latest(t: WorldLaunchTemplate): number {
  return Math.max(...t.versions.map((v) => v.number));
}

/** The version marked default, else the first one (AWS makes version 1 the default). */
function isDefault(t: WorldLaunchTemplate, v: Version): boolean {
  const marked = t.versions.find((x) => x.default);
  return marked ? marked === v : v.number === Math.min(...t.versions.map((x) => x.number));
}

function describeLaunchTemplateVersions(ctx: Ctx): string {
  const p = ctx.params;
  const id = p.get('LaunchTemplateId');
  const name = p.get('LaunchTemplateName');
  if (id !== undefined && name !== undefined)
    throw new SimError(
      'InvalidParameterCombination',
      'The parameters launchTemplateId and launchTemplateName cannot be used together',
    );
  const wanted = p.list('LaunchTemplateVersion');
  const min = optionalInt(p, 'MinVersion');
  const max = optionalInt(p, 'MaxVersion');
  const limit = ec2MaxResults(p, 1, 200);
  const after = decodeToken(p.get('NextToken'), 'InvalidPaginationToken');
  const resolve = optionalBool(p, 'ResolveAlias') ?? false;
  const match = filterPredicate(ec2Filters(p), FILTERS);
  const mine = ctx.state.launchers.templates.in(ctx.account.id, ctx.region);

  let templates: readonly WorldLaunchTemplate[];
  if (id !== undefined || name !== undefined) {
    const t = mine.find((x) => (id !== undefined ? x.id === id : x.name === name));
    if (!t)
      throw id !== undefined
        ? new SimError(
            'InvalidLaunchTemplateId.NotFound',
            `The specified launch template, with template ID ${id}, does not exist.`,
          )
        : new SimError(
            'InvalidLaunchTemplateName.NotFoundException',
            `The specified launch template, with template name ${name}, does not exist.`,
          );
    templates = [t];
  } else {
    // Every template of the account: only $Latest / $Default may be asked for (AWS's rule).
    if (!wanted.length || wanted.some((v) => v !== '$Latest' && v !== '$Default'))
      throw invalidValue(
        'To describe the versions of all launch templates, specify $Latest and/or $Default (and no version numbers)',
      );
    if (min !== undefined || max !== undefined)
      throw invalidValue('MinVersion and MaxVersion need a launch template id or name');
    templates = mine;
  }
  dryRunGate(ctx);

  const rows: Row[] = [];
  for (const t of templates) {
    const top = latest(t);
    for (const v of [...t.versions].sort((a, b) => a.number - b.number)) {
      const picked =
        !wanted.length ||
        wanted.some(
          (w) =>
            (w === '$Latest' && v.number === top) ||
            (w === '$Default' && isDefault(t, v)) ||
            w === String(v.number),
        );
      if (!picked || (min !== undefined && v.number < min) || (max !== undefined && v.number > max)) continue;
      const row = { template: t, version: v, key: `${t.id}|${String(v.number).padStart(10, '0')}` };
      if (match(row)) rows.push(row);
    }
  }
  const start = after === undefined ? 0 : rows.findIndex((r) => r.key > after);
  const from = start < 0 ? rows.length : start;
  const pageRows = limit === undefined ? rows.slice(from) : rows.slice(from, from + limit);
  const more = from + pageRows.length < rows.length;
  return (
    itemSet('launchTemplateVersionSet', pageRows, (r) => renderVersion(ctx, r, resolve)) +
    (more ? el('nextToken', encodeToken(pageRows.at(-1)!.key)) : '')
  );
}

function renderVersion(ctx: Ctx, r: Row, resolve: boolean): string {
  let imageId = r.version.imageId;
  // ResolveAlias: the AMI id the parameter names now; kept as written when the world has no such parameter.
  if (resolve && imageId?.startsWith('resolve:ssm:')) {
    const param = imageId.slice('resolve:ssm:'.length).replace(/:\d+$/, '');
    imageId = ctx.state.launchers.parameter(ctx.account.id, ctx.region, param) ?? imageId;
  }
  const bdm = (r.version.blockDeviceSnapshotIds ?? []).map((snap, i) => ({
    device: `/dev/sd${String.fromCharCode(98 + i)}`,
    snap,
  }));
  return (
    el('launchTemplateId', r.template.id) +
    el('launchTemplateName', r.template.name) +
    el('versionNumber', r.version.number) +
    el('createTime', isoTime('2025-01-01T00:00:00.000Z')) +
    el('createdBy', `arn:aws:iam::${ctx.account.id}:root`) +
    el('defaultVersion', isDefault(r.template, r.version)) +
    wrap(
      'launchTemplateData',
      el('imageId', imageId) +
        (bdm.length
          ? itemSet(
              'blockDeviceMappingSet',
              bdm,
              (b) => el('deviceName', b.device) + wrap('ebs', el('snapshotId', b.snap)),
            )
          : ''),
    )
  );
}

export const LAUNCH_TEMPLATE_ACTIONS: Record<string, ActionDef> = {
  DescribeLaunchTemplateVersions: { run: describeLaunchTemplateVersions, category: describe },
};
