/**
 * Official AMI families: the names vendors publish under and who may publish them (docs/aws.md
 * "Impersonation"). An AMI whose name follows one of these patterns but comes from another owner is an
 * impersonation ("whoAMI": a by-name lookup without an owner filter picks the attacker's image).
 *
 * `ImageOwnerAlias` is set by AWS only for `amazon`, `aws-marketplace` and `aws-backup-vault`; other
 * accounts cannot alias their AMIs. So Amazon's own families are recognised by the alias (AWS publishes
 * them from many accounts per region and partition), and third-party vendors by their account ids.
 *
 * Pure data plus a matcher. Extend it in the config (`risk.patterns`), not here, for your own vendors.
 */

export interface OfficialImageFamily {
  /** Stable id, used in risk reason codes. */
  id: string;
  /** "Ubuntu (Canonical)": shown to people. */
  label: string;
  /** Who publishes it, in words: "Canonical publishes from 099720109477". */
  publisher: string;
  /** Name patterns, `*` and `?` wildcards as in EC2's `name` filter; matched case-insensitively. */
  patterns: readonly string[];
  /** Owner aliases that make it legitimate (`amazon`, `aws-marketplace`). */
  aliases: readonly string[];
  /** Owner account ids that make it legitimate (commercial, GovCloud and China partitions). */
  owners: readonly string[];
}

/**
 * Owner ids from the vendors' own documentation and their long-standing public `describe-images
 * --owners` usage: Canonical 099720109477 (aws), 513442679011 (aws-us-gov), 837727238323 (aws-cn);
 * Debian 136693071363 (Debian 10 onwards) and 379101102735 (Debian 9 and older); Red Hat 309956199498,
 * 219670896067 (aws-us-gov), 841258680906 (aws-cn); SUSE 013907871322; Fedora 125523088429;
 * FreeBSD 782442783595. Amazon's families are published under the `amazon` alias.
 */
export const OFFICIAL_IMAGE_FAMILIES: readonly OfficialImageFamily[] = [
  {
    id: 'amazon-linux',
    label: 'Amazon Linux',
    publisher: 'Amazon publishes it under the owner alias "amazon"',
    patterns: ['al2023-ami-*', 'amzn2-ami-*', 'amzn-ami-*', 'amazon-linux-*'],
    aliases: ['amazon'],
    owners: [],
  },
  {
    id: 'ecs-optimized',
    label: 'Amazon ECS-optimized AMI',
    publisher: 'Amazon publishes it under the owner alias "amazon"',
    patterns: ['al2023-ami-ecs-*', 'amzn2-ami-ecs-*', 'amzn-ami-*-amazon-ecs-optimized*'],
    aliases: ['amazon'],
    owners: [],
  },
  {
    id: 'eks-optimized',
    label: 'Amazon EKS-optimized AMI',
    publisher: 'Amazon publishes it under the owner alias "amazon"',
    patterns: ['amazon-eks-*', 'eks-node-*'],
    aliases: ['amazon'],
    owners: [],
  },
  {
    id: 'bottlerocket',
    label: 'Bottlerocket',
    publisher: 'Amazon publishes it under the owner alias "amazon"',
    patterns: ['bottlerocket-*'],
    aliases: ['amazon'],
    owners: [],
  },
  {
    id: 'windows',
    label: 'Windows Server',
    publisher: 'Amazon publishes it under the owner alias "amazon"',
    patterns: ['Windows_Server-*', 'EC2LaunchV2-Windows_Server-*', 'Windows-Server-*'],
    aliases: ['amazon'],
    owners: [],
  },
  {
    id: 'deep-learning',
    label: 'AWS Deep Learning AMI',
    publisher: 'Amazon publishes it under the owner alias "amazon"',
    patterns: [
      'Deep Learning *AMI*',
      'Deep Learning Base*',
      'Deep Learning OSS*',
      'Deep Learning Proprietary*',
    ],
    aliases: ['amazon'],
    owners: [],
  },
  {
    id: 'ubuntu',
    label: 'Ubuntu',
    publisher: 'Canonical publishes from 099720109477',
    patterns: [
      'ubuntu/images/*',
      'ubuntu/images-testing/*',
      'ubuntu-minimal/images/*',
      'ubuntu-pro-*/images/*',
      'ubuntu-eks/*',
    ],
    aliases: ['aws-marketplace'],
    owners: ['099720109477', '513442679011', '837727238323'],
  },
  {
    id: 'debian',
    label: 'Debian',
    publisher: 'Debian publishes from 136693071363',
    patterns: ['debian-1?-*', 'debian-stretch-*', 'debian-jessie-*', 'debian-buster-*'],
    aliases: ['aws-marketplace'],
    owners: ['136693071363', '379101102735'],
  },
  {
    id: 'rhel',
    label: 'Red Hat Enterprise Linux',
    publisher: 'Red Hat publishes from 309956199498',
    patterns: ['RHEL-*', 'RHEL_HA-*', 'RHEL_SAP-*'],
    aliases: ['aws-marketplace'],
    owners: ['309956199498', '219670896067', '841258680906'],
  },
  {
    id: 'suse',
    label: 'SUSE Linux Enterprise Server',
    publisher: 'SUSE publishes from 013907871322 (and under the alias "amazon")',
    patterns: ['suse-sles-*', 'suse-sle-*'],
    aliases: ['amazon', 'aws-marketplace'],
    owners: ['013907871322'],
  },
  {
    id: 'fedora',
    label: 'Fedora',
    publisher: 'the Fedora Project publishes from 125523088429',
    patterns: ['Fedora-Cloud-Base-*', 'fedora-coreos-*'],
    aliases: [],
    owners: ['125523088429'],
  },
  {
    id: 'freebsd',
    label: 'FreeBSD',
    publisher: 'the FreeBSD project publishes from 782442783595',
    patterns: ['FreeBSD *'],
    aliases: ['aws-marketplace'],
    owners: ['782442783595'],
  },
];

/** `ubuntu/images/*` → /^ubuntu\/images\/.*$/i (EC2's name filter wildcards). */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

export interface ImpersonationVerdict {
  family: OfficialImageFamily;
  /** The first pattern the name matched. */
  pattern: string;
}

export interface CompiledFamilies {
  families: readonly OfficialImageFamily[];
  regexps: ReadonlyArray<readonly RegExp[]>;
}

export function compileFamilies(families: readonly OfficialImageFamily[]): CompiledFamilies {
  return { families, regexps: families.map((f) => f.patterns.map(globToRegExp)) };
}

const BUILT_IN = compileFamilies(OFFICIAL_IMAGE_FAMILIES);

/**
 * The official family an AMI pretends to be: its name matches a family's pattern while neither its
 * owner alias nor its owner account is one the family publishes from. Undefined when the name matches
 * nothing, or when a matching family's publisher owns it (the most specific match wins: families are
 * tried in order and every matching one must be satisfied, so `amzn2-ami-ecs-*` by Amazon is fine).
 */
export function impersonates(
  image: { name?: string; ownerAccountId: string; ownerAlias?: string },
  compiled: CompiledFamilies = BUILT_IN,
): ImpersonationVerdict | undefined {
  const name = image.name;
  if (!name) return undefined;
  for (let i = 0; i < compiled.families.length; i++) {
    const family = compiled.families[i]!;
    const hit = compiled.regexps[i]!.findIndex((re) => re.test(name));
    if (hit < 0) continue;
    const legit =
      (image.ownerAlias !== undefined && family.aliases.includes(image.ownerAlias)) ||
      family.owners.includes(image.ownerAccountId);
    if (!legit) return { family, pattern: family.patterns[hit]! };
  }
  return undefined;
}

/** The built-in families plus the config's (`risk.patterns`), compiled once. */
export function officialFamilies(extra: readonly OfficialImageFamily[] = []): CompiledFamilies {
  return extra.length ? compileFamilies([...OFFICIAL_IMAGE_FAMILIES, ...extra]) : BUILT_IN;
}
