/**
 * What would launch from a shared AMI or EBS snapshot next (issue 23; docs/aws.md "What else launches
 * from an AMI or a snapshot"): after a Remove these fail to launch, and until then the next scale-out
 * runs the untrusted image. For the findings of one account-region, fills `inUse.launchTemplates`,
 * `autoScalingGroups` and (AMIs) `imageRecipes`:
 *
 * - launch templates: one paginated `DescribeLaunchTemplateVersions Versions=[$Latest,$Default]` lists the
 *   latest and default version of every template (AWS's form without a template id), `ResolveAlias` so a
 *   `resolve:ssm:` image id comes back as the AMI id; block-device mappings are read here, client-side
 *   (whether a `block-device-mapping.snapshot-id` filter exists is UNCONFIRMED);
 * - Auto Scaling groups (`DescribeAutoScalingGroups`): through their launch template (their own, or a
 *   mixed-instances policy's and its overrides'), at the version they name — a number that is neither
 *   latest nor default is asked for by template id — or through a legacy launch configuration
 *   (`DescribeLaunchConfigurations` by name, ≤ 50 a call: only those the groups name);
 * - EC2 Image Builder recipes (`ListImageRecipes`, own; `parentImage` from the summary, `GetImageRecipe`
 *   when a summary lacks it).
 *
 * Each listing runs once per account-region however many findings and kinds ask (keyed on the findings
 * array the lookups share, like own-images.ts), and only where there is a finding of these kinds. A
 * failed listing marks the usage partly unknown on the findings it concerns; never throws.
 */
import {
  DescribeLaunchConfigurationsCommand,
  paginateDescribeAutoScalingGroups,
  type AutoScalingGroup,
  type LaunchConfiguration,
  type LaunchTemplateSpecification,
} from '@aws-sdk/client-auto-scaling';
import { paginateDescribeLaunchTemplateVersions, type LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { GetImageRecipeCommand, paginateListImageRecipes } from '@aws-sdk/client-imagebuilder';
import type { Finding, UsageItem } from '../../domain/finding.ts';
import { describeAwsError } from '../errors.ts';
import type { KindContext } from '../kinds/kind.ts';
import { UsageBook, chunks } from './common.ts';

/** IAM actions of these lookups, per kind (declared by the kinds' `usage.actions`). */
export const LAUNCHER_ACTIONS = {
  ami: [
    'ec2:DescribeLaunchTemplateVersions',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeLaunchConfigurations',
    'imagebuilder:ListImageRecipes',
    'imagebuilder:GetImageRecipe',
  ],
  'ebs-snapshot': [
    'ec2:DescribeLaunchTemplateVersions',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeLaunchConfigurations',
  ],
} as const;

const LT_PAGE = 200;
const ASG_PAGE = 100;
const LC_NAMES_MAX = 50;
const RECIPE_PAGE = 25;

/** What one launch source says it launches: an image id and the snapshots of its block devices. */
interface Launches {
  imageId?: string;
  snapshotIds: string[];
}

interface TemplateVersion extends Launches {
  templateId: string;
  templateName: string;
  number: number;
  isDefault: boolean;
}

interface Template {
  id: string;
  name: string;
  latest?: TemplateVersion;
  default?: TemplateVersion;
}

type Listed<T> = { items: T } | { error: string };

interface Recipe {
  arn: string;
  name: string;
  parentImage?: string;
}

/** The account-region's launch sources, each listed on first use. */
class LaunchData {
  private templatesP?: Promise<Listed<Map<string, Template>>>;
  private groupsP?: Promise<Listed<AutoScalingGroup[]>>;
  private configsP?: Promise<Listed<Map<string, LaunchConfiguration>>>;
  private recipesP?: Promise<Listed<Recipe[]>>;
  private readonly versionsP = new Map<string, Promise<Listed<Map<number, TemplateVersion>>>>();

  constructor(private readonly ctx: KindContext) {}

  templates(): Promise<Listed<Map<string, Template>>> {
    return (this.templatesP ??= this.listTemplates());
  }

  groups(): Promise<Listed<AutoScalingGroup[]>> {
    return (this.groupsP ??= this.listGroups());
  }

  /** The launch configurations the groups name, by name. */
  configurations(): Promise<Listed<Map<string, LaunchConfiguration>>> {
    return (this.configsP ??= this.listConfigurations());
  }

  recipes(): Promise<Listed<Recipe[]>> {
    return (this.recipesP ??= this.listRecipes());
  }

  /** Numbered versions of one template that are neither its latest nor its default. */
  versions(templateId: string, numbers: readonly number[]): Promise<Listed<Map<number, TemplateVersion>>> {
    const key = `${templateId}|${[...numbers].sort((a, b) => a - b).join(',')}`;
    let p = this.versionsP.get(key);
    if (!p) this.versionsP.set(key, (p = this.listVersions(templateId, numbers)));
    return p;
  }

  private async listTemplates(): Promise<Listed<Map<string, Template>>> {
    const out = new Map<string, Template>();
    try {
      for await (const page of paginateDescribeLaunchTemplateVersions(
        { client: this.ctx.ec2(), pageSize: LT_PAGE },
        { Versions: ['$Latest', '$Default'], ResolveAlias: true },
      ))
        for (const v of page.LaunchTemplateVersions ?? []) {
          const tv = templateVersion(v);
          if (!tv) continue;
          let t = out.get(tv.templateId);
          if (!t) out.set(tv.templateId, (t = { id: tv.templateId, name: tv.templateName }));
          // The listing returns each asked-for version once: the higher number is the latest.
          if (!t.latest || tv.number > t.latest.number) t.latest = tv;
          if (tv.isDefault) t.default = tv;
        }
      return { items: out };
    } catch (err) {
      return { error: `ec2:DescribeLaunchTemplateVersions: ${describeAwsError(err)}` };
    }
  }

  private async listVersions(
    templateId: string,
    numbers: readonly number[],
  ): Promise<Listed<Map<number, TemplateVersion>>> {
    const out = new Map<number, TemplateVersion>();
    try {
      for await (const page of paginateDescribeLaunchTemplateVersions(
        { client: this.ctx.ec2(), pageSize: LT_PAGE },
        { LaunchTemplateId: templateId, Versions: numbers.map(String), ResolveAlias: true },
      ))
        for (const v of page.LaunchTemplateVersions ?? []) {
          const tv = templateVersion(v);
          if (tv) out.set(tv.number, tv);
        }
      return { items: out };
    } catch (err) {
      return { error: `ec2:DescribeLaunchTemplateVersions ${templateId}: ${describeAwsError(err)}` };
    }
  }

  private async listGroups(): Promise<Listed<AutoScalingGroup[]>> {
    const out: AutoScalingGroup[] = [];
    try {
      for await (const page of paginateDescribeAutoScalingGroups(
        { client: this.ctx.client('autoscaling'), pageSize: ASG_PAGE },
        {},
      ))
        out.push(...(page.AutoScalingGroups ?? []));
      return { items: out };
    } catch (err) {
      return { error: `autoscaling:DescribeAutoScalingGroups: ${describeAwsError(err)}` };
    }
  }

  private async listConfigurations(): Promise<Listed<Map<string, LaunchConfiguration>>> {
    const groups = await this.groups();
    if ('error' in groups) return groups;
    const names = [
      ...new Set(groups.items.flatMap((g) => (g.LaunchConfigurationName ? [g.LaunchConfigurationName] : []))),
    ];
    const out = new Map<string, LaunchConfiguration>();
    try {
      for (const batch of chunks(names, LC_NAMES_MAX)) {
        let token: string | undefined;
        do {
          const page = await this.ctx
            .client('autoscaling')
            .send(
              new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: batch, NextToken: token }),
            );
          for (const c of page.LaunchConfigurations ?? [])
            if (c.LaunchConfigurationName) out.set(c.LaunchConfigurationName, c);
          token = page.NextToken;
        } while (token);
      }
      return { items: out };
    } catch (err) {
      return { error: `autoscaling:DescribeLaunchConfigurations: ${describeAwsError(err)}` };
    }
  }

  private async listRecipes(): Promise<Listed<Recipe[]>> {
    const out: Recipe[] = [];
    const client = this.ctx.client('imagebuilder');
    try {
      for await (const page of paginateListImageRecipes({ client, pageSize: RECIPE_PAGE }, { owner: 'Self' }))
        for (const r of page.imageRecipeSummaryList ?? []) {
          if (!r.arn) continue;
          let parentImage = r.parentImage;
          if (parentImage === undefined) {
            const full = await client.send(new GetImageRecipeCommand({ imageRecipeArn: r.arn }));
            parentImage = full.imageRecipe?.parentImage;
          }
          out.push({ arn: r.arn, name: r.name ?? r.arn, ...(parentImage ? { parentImage } : {}) });
        }
      return { items: out };
    } catch (err) {
      return { error: `imagebuilder:ListImageRecipes: ${describeAwsError(err)}` };
    }
  }
}

function templateVersion(v: LaunchTemplateVersion): TemplateVersion | undefined {
  if (!v.LaunchTemplateId || v.VersionNumber === undefined) return undefined;
  const data = v.LaunchTemplateData;
  return {
    templateId: v.LaunchTemplateId,
    templateName: v.LaunchTemplateName ?? v.LaunchTemplateId,
    number: v.VersionNumber,
    isDefault: v.DefaultVersion === true,
    ...(data?.ImageId ? { imageId: data.ImageId } : {}),
    snapshotIds: (data?.BlockDeviceMappings ?? []).flatMap((b) =>
      b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : [],
    ),
  };
}

const data = new WeakMap<readonly Finding[], LaunchData>();

/** The account-region's launch sources for the lookups that share `key` (lookupUsage's findings array). */
function launchDataFor(ctx: KindContext, key: readonly Finding[]): LaunchData {
  let d = data.get(key);
  if (!d) data.set(key, (d = new LaunchData(ctx)));
  return d;
}

/** Which of the findings a launch source launches: by image id (AMIs) or block-device snapshot (snapshots). */
type Matcher = (l: Launches) => string[];

function matcherFor(findings: readonly Finding[]): Matcher {
  const amis = new Set(findings.filter((f) => f.kind === 'ami').map((f) => f.resourceId));
  const snaps = new Set(findings.filter((f) => f.kind === 'ebs-snapshot').map((f) => f.resourceId));
  return (l) => [
    ...(l.imageId && amis.has(l.imageId) ? [l.imageId] : []),
    ...l.snapshotIds.filter((s) => snaps.has(s)),
  ];
}

/**
 * Launch templates, Auto Scaling groups and (for AMIs) Image Builder recipes that would launch `findings`
 * (AMIs and EBS snapshots of one account-region); `key` is the array the account-region's lookups share.
 * Returns the lookups that failed. Never throws.
 */
export async function launcherUsage(
  ctx: KindContext,
  findings: readonly Finding[],
  key: readonly Finding[] = findings,
): Promise<string[]> {
  const targets = findings.filter((f) => f.kind === 'ami' || f.kind === 'ebs-snapshot');
  if (targets.length === 0) return [];
  const book = new UsageBook(targets);
  const d = launchDataFor(ctx, key);
  const match = matcherFor(targets);
  const errors: string[] = [];
  const fail = (error: string, concerns: readonly Finding[] = targets) => {
    // One failed call can be met once per group that needed it: say it once.
    if (errors.includes(error)) return;
    errors.push(error);
    book.unknownFor(
      concerns.map((f) => f.resourceId),
      error,
    );
  };
  const amis = targets.filter((f) => f.kind === 'ami');

  const templates = await d.templates();
  if ('error' in templates) fail(templates.error);
  else {
    const unresolved: string[] = [];
    for (const t of templates.items.values()) {
      const by = new Map<string, string[]>();
      for (const [v, word] of [
        [t.latest, 'latest'],
        [t.default, 'default'],
      ] as const) {
        if (!v) continue;
        if (v.imageId?.startsWith('resolve:ssm:')) unresolved.push(`${t.id} v${v.number}`);
        for (const id of match(v)) by.set(id, [...(by.get(id) ?? []), `${word} v${v.number}`]);
      }
      for (const [id, words] of by)
        book.add(id, 'launchTemplates', { id: t.id, name: t.name, detail: [...new Set(words)].join(', ') });
    }
    // An SSM parameter AWS did not resolve: whether it names one of these AMIs cannot be told.
    if (unresolved.length && amis.length)
      fail(
        `ec2:DescribeLaunchTemplateVersions: SSM parameter not resolved in ${unresolved.slice(0, 3).join(', ')}` +
          (unresolved.length > 3 ? ` and ${unresolved.length - 3} more` : ''),
        amis,
      );
  }

  const groups = await d.groups();
  if ('error' in groups) fail(groups.error);
  else {
    const needConfigs = groups.items.some((g) => g.LaunchConfigurationName);
    const configs = needConfigs
      ? await d.configurations()
      : { items: new Map<string, LaunchConfiguration>() };
    if ('error' in configs) fail(configs.error);
    for (const g of groups.items) {
      if (!g.AutoScalingGroupName) continue;
      const uses: Array<{ launches: Launches; via: string }> = [];
      for (const spec of groupTemplates(g)) {
        if ('error' in templates) break; // already marked unknown
        const r = await resolveSpec(d, templates.items, spec);
        if ('error' in r) fail(r.error);
        else if (r.version) uses.push({ launches: r.version, via: `launch template ${r.label}` });
      }
      const lc =
        g.LaunchConfigurationName && !('error' in configs) && configs.items.get(g.LaunchConfigurationName);
      if (lc)
        uses.push({
          launches: {
            ...(lc.ImageId ? { imageId: lc.ImageId } : {}),
            snapshotIds: (lc.BlockDeviceMappings ?? []).flatMap((b) =>
              b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : [],
            ),
          },
          via: `launch configuration ${g.LaunchConfigurationName}`,
        });
      for (const u of uses)
        for (const id of match(u.launches)) {
          const item: UsageItem = {
            id: g.AutoScalingGroupName,
            detail: `${u.via}, desired ${g.DesiredCapacity ?? 0}`,
          };
          book.add(id, 'autoScalingGroups', item);
        }
    }
  }

  if (amis.length) {
    const recipes = await d.recipes();
    if ('error' in recipes) fail(recipes.error, amis);
    else
      for (const r of recipes.items)
        if (r.parentImage?.startsWith('ami-') && book.has(r.parentImage))
          book.add(r.parentImage, 'imageRecipes', {
            id: r.arn,
            name: `${r.name} ${r.arn.split('/').at(-1) ?? ''}`.trim(),
          });
  }

  book.applyTo(targets);
  return errors;
}

/** Every launch template a group launches through: its own, a mixed-instances policy's and its overrides'. */
function groupTemplates(g: AutoScalingGroup): LaunchTemplateSpecification[] {
  const mip = g.MixedInstancesPolicy?.LaunchTemplate;
  return [
    ...(g.LaunchTemplate ? [g.LaunchTemplate] : []),
    ...(mip?.LaunchTemplateSpecification ? [mip.LaunchTemplateSpecification] : []),
    ...(mip?.Overrides ?? []).flatMap((o) =>
      o.LaunchTemplateSpecification ? [o.LaunchTemplateSpecification] : [],
    ),
  ];
}

/** The template version a group's reference launches (`$Default` when it names none, as AWS does). */
async function resolveSpec(
  d: LaunchData,
  templates: ReadonlyMap<string, Template>,
  spec: LaunchTemplateSpecification,
): Promise<{ version?: TemplateVersion; label: string } | { error: string }> {
  const t = spec.LaunchTemplateId
    ? templates.get(spec.LaunchTemplateId)
    : [...templates.values()].find((x) => x.name === spec.LaunchTemplateName);
  const asked = spec.Version ?? '$Default';
  const label = `${t?.name ?? spec.LaunchTemplateName ?? spec.LaunchTemplateId ?? '?'} (${asked})`;
  if (!t) return { label }; // a template that no longer exists launches nothing
  if (asked === '$Latest') return { label, ...(t.latest ? { version: t.latest } : {}) };
  if (asked === '$Default') return { label, ...(t.default ? { version: t.default } : {}) };
  const n = Number(asked);
  if (t.latest?.number === n) return { label, version: t.latest };
  if (t.default?.number === n) return { label, version: t.default };
  const other = await d.versions(t.id, [n]);
  if ('error' in other) return other;
  const v = other.items.get(n);
  return { label, ...(v ? { version: v } : {}) };
}
