// The world file: the simulator's input, a contract documented in docs/simulator.md. Fields marked
// "extension" are additions of this implementation; every one is optional, so any world written
// against the contract still loads unchanged.
import { readFile } from 'node:fs/promises';
import { latencySchema } from './latency.ts';
import { z } from 'zod';

export class WorldError extends Error {
  /** One line per bad field, each starting with the field's path (`accounts[2].id: …`). */
  readonly problems: string[];
  constructor(problems: string[], prefix = 'invalid world') {
    super(`${prefix}:\n  ${problems.join('\n  ')}`);
    this.name = 'WorldError';
    this.problems = problems;
  }
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
// Strict enough to refuse "yesterday", loose enough for any ISO 8601 UTC or offset time.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
// Looser than AWS's own id lengths: the contract's example ids (o-abc123) are shorter.
const ORG_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]+$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]+\/ou-[a-z0-9]+-[a-z0-9]+$/;

const accountId = z.string().regex(ACCOUNT_ID, 'expected 12 digits');
const regionName = z.string().regex(REGION, 'expected a region name like us-east-1');
const isoTime = z
  .string()
  .refine((s) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');
const orgArn = z.string().regex(ORG_ARN, 'expected arn:aws:organizations::MASTER:organization/o-…');
const ouArn = z.string().regex(OU_ARN, 'expected arn:aws:organizations::MASTER:ou/o-…/ou-…');
const resourceId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-zA-Z]+$`), `expected an id like ${prefix}-0a1b2c3d`);
// RDS identifiers: letters, digits, hyphens (AWS also forbids a trailing or double hyphen; a
// world need not be that pedantic).
const rdsId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,254}$/, 'expected a letter followed by letters, digits or hyphens');

const ownerAlias = z.enum(['amazon', 'aws-marketplace', 'aws-backup-vault']);

const launchPermission = z
  .object({
    userId: accountId.optional(),
    group: z.literal('all', { error: 'expected "all"' }).optional(),
    organizationArn: orgArn.optional(),
    organizationalUnitArn: ouArn.optional(),
  })
  .refine(
    (p) => [p.userId, p.group, p.organizationArn, p.organizationalUnitArn].filter(Boolean).length === 1,
    'expected exactly one of userId, group, organizationArn, organizationalUnitArn',
  );

const createVolumePermission = z
  .object({
    userId: accountId.optional(),
    group: z.literal('all', { error: 'expected "all"' }).optional(),
  })
  .refine((p) => [p.userId, p.group].filter(Boolean).length === 1, 'expected exactly one of userId, group');

// Extension: Allowed AMIs criteria beyond a plain provider list (what
// ReplaceImageCriteriaInAllowedImagesSettings can set).
const imageCriterion = z.object({
  imageProviders: z
    .array(z.union([accountId, z.enum(['amazon', 'aws-marketplace', 'aws-backup-vault', 'none'])]))
    .optional(),
  imageNames: z.array(z.string().min(1)).optional(),
  marketplaceProductCodes: z.array(z.string().min(1)).optional(),
  creationDateCondition: z.object({ maximumDaysSinceCreated: z.number().int().min(0) }).optional(),
  deprecationTimeCondition: z.object({ maximumDaysSinceDeprecated: z.number().int().min(0) }).optional(),
});

// IAM / SCP policy documents (docs/simulator.md "Policies"). Only the shape is checked here;
// the evaluator reads Deny statements. Action/Resource/Condition may take AWS's every form.
const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const policyStatement = z
  .object({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: stringOrList.optional(),
    NotAction: stringOrList.optional(),
    Resource: stringOrList.optional(),
    NotResource: stringOrList.optional(),
    Condition: z
      .record(z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string()), z.boolean()])))
      .optional(),
  })
  .loose()
  .refine(
    (st) => (st.Action === undefined) !== (st.NotAction === undefined),
    'expected exactly one of Action, NotAction',
  );
export const policyDocumentSchema = z
  .object({
    Version: z.string().optional(),
    Statement: z.union([policyStatement, z.array(policyStatement)]),
  })
  .loose();
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;

const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
const role = z.object({
  name: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name'),
  /** ARNs of attached managed policies (this account's `policies`, or AWS managed ones). */
  policies: z
    .array(z.string().regex(POLICY_ARN, 'expected arn:aws:iam::ACCOUNT:policy/NAME'))
    .max(20)
    .optional(),
});
const managedPolicy = z.object({
  name: z.string().regex(IAM_NAME, 'expected an IAM policy name'),
  path: z
    .string()
    .regex(/^\/(?:[\w+=,.@-]+\/)*$/, 'expected a path like / or /guard/')
    .optional(),
  document: policyDocumentSchema,
});

// Extension: a Recycle Bin retention rule of the account (rbin). A matching rule keeps a
// deregistered image / deleted snapshot restorable for retentionDays.
const recycleBinRule = z.object({
  resourceType: z.enum(['EC2_IMAGE', 'EBS_SNAPSHOT']),
  retentionDays: z.number().int().min(1).max(365),
  /** Regions the rule covers; absent = every region of the account. */
  regions: z.array(regionName).optional(),
});

const allowedAmis = z.object({
  state: z.enum(['enabled', 'audit-mode', 'disabled']),
  providers: z.array(z.union([accountId, z.enum(['amazon', 'aws-marketplace', 'aws-backup-vault', 'none'])])),
  criteria: z.array(imageCriterion).max(10).optional(), // extension
  managedBy: z.enum(['account', 'declarative-policy']).optional(), // extension
});

const account = z.object({
  id: accountId,
  name: z.string().optional(),
  regions: z.array(regionName).min(1, 'expected at least one region'),
  assumeRole: z.enum(['allow', 'deny']),
  organization: orgArn.optional(),
  ous: z.array(ouArn).optional(),
  allowedAmis: z.record(regionName, allowedAmis).optional(),
  // Dec 2026 contract:
  roles: z.array(role).optional(),
  policies: z.array(managedPolicy).optional(),
  // Extension:
  recycleBinRules: z.array(recycleBinRule).optional(),
  // Extension: the account's State in its organization (ListAccounts); default ACTIVE.
  state: z.enum(['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']).optional(),
});

const image = z.object({
  id: resourceId('ami'),
  region: regionName,
  owner: accountId,
  name: z.string(),
  creationDate: isoTime,
  state: z.enum(['available', 'disabled']).optional(),
  deprecationTime: isoTime.optional(),
  launchPermissions: z.array(launchPermission),
  // Extensions:
  description: z.string().optional(),
  ownerAlias: ownerAlias.optional(),
  sourceImageId: resourceId('ami').optional(),
  // Dec 2026 contract name of the alias (ownerAlias is this implementation's older spelling).
  imageOwnerAlias: ownerAlias.optional(),
  deregistrationProtection: z.boolean().optional(),
  blockDeviceMappings: z
    .array(z.object({ deviceName: z.string().min(1), snapshotId: resourceId('snap') }))
    .optional(),
});

const snapshot = z.object({
  id: resourceId('snap'),
  region: regionName,
  owner: accountId,
  description: z.string(),
  startTime: isoTime,
  volumeSize: z.number().int().min(1),
  encrypted: z.boolean(),
  createVolumePermissions: z.array(createVolumePermission),
  // Extensions:
  ownerAlias: ownerAlias.optional(),
  volumeId: resourceId('vol').optional(),
});

const dbSnapshot = z.object({
  id: rdsId,
  region: regionName,
  owner: accountId,
  engine: z.string().min(1),
  createTime: isoTime,
  restore: z.array(z.union([accountId, z.literal('all')]), {
    error: 'expected a list of 12-digit account ids or "all"',
  }),
  // Extensions:
  sourceIdentifier: z.string().optional(), // DBInstanceIdentifier / DBClusterIdentifier
  encrypted: z.boolean().optional(),
  allocatedStorage: z.number().int().min(0).optional(),
  // Dec 2026 contract: own copies of a shared snapshot name their source.
  sourceSnapshotArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(snapshot|cluster-snapshot):.+$/,
      'expected an RDS snapshot ARN',
    )
    .optional(),
  // Extension: DeleteDB[Cluster]Snapshot needs "available".
  status: z.enum(['available', 'creating', 'copying', 'deleting', 'failed']).optional(),
});

const instance = z.object({
  id: resourceId('i'),
  account: accountId,
  region: regionName,
  imageId: resourceId('ami'),
  // Extensions:
  state: z.enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']).optional(),
  instanceType: z.string().optional(),
  launchTime: isoTime.optional(),
});

const volume = z.object({
  id: resourceId('vol'),
  account: accountId,
  region: regionName,
  snapshotId: resourceId('snap'),
  // Extensions:
  size: z.number().int().min(1).optional(),
  state: z.enum(['creating', 'available', 'in-use', 'deleting', 'deleted', 'error']).optional(),
});

// Dec 2026 contract (issue 23): what else launches from an AMI or a snapshot (docs/simulator.md
// "Launch templates, Auto Scaling, Image Builder"). An image id may be an SSM parameter reference.
const launchImageId = z
  .string()
  .regex(/^(ami-[0-9a-zA-Z]+|resolve:ssm:\S+)$/, 'expected an AMI id or resolve:ssm:PARAMETER');
const launchTemplate = z.object({
  id: resourceId('lt'),
  account: accountId,
  region: regionName,
  name: z.string().min(3).max(128),
  versions: z
    .array(
      z.object({
        number: z.number().int().min(1),
        imageId: launchImageId.optional(),
        default: z.boolean().optional(),
        blockDeviceSnapshotIds: z.array(resourceId('snap')).optional(),
      }),
    )
    .min(1, 'expected at least one version'),
});
/** A launch template reference (by id or by name) with an optional version: a number, $Latest or $Default. */
const launchTemplateRef = z
  .object({
    id: resourceId('lt').optional(),
    name: z.string().min(1).optional(),
    version: z
      .string()
      .regex(/^(\$Latest|\$Default|\d+)$/, 'expected $Latest, $Default or a version number')
      .optional(),
  })
  .refine((r) => (r.id === undefined) !== (r.name === undefined), 'expected exactly one of id, name');
const autoScalingGroup = z.object({
  name: z.string().min(1).max(255),
  account: accountId,
  region: regionName,
  launchTemplate: launchTemplateRef.optional(),
  mixedInstancesPolicy: z
    .object({
      launchTemplate: launchTemplateRef,
      overrides: z
        .array(
          z.object({ instanceType: z.string().optional(), launchTemplate: launchTemplateRef.optional() }),
        )
        .optional(),
    })
    .optional(),
  launchConfigurationName: z.string().min(1).optional(),
  desiredCapacity: z.number().int().min(0).optional(),
  instanceIds: z.array(resourceId('i')).optional(),
});
const launchConfiguration = z.object({
  name: z.string().min(1).max(255),
  account: accountId,
  region: regionName,
  imageId: resourceId('ami'),
  blockDeviceSnapshotIds: z.array(resourceId('snap')).optional(),
});
const imageRecipe = z.object({
  name: z.string().min(1).max(128),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a semantic version like 1.0.0'),
  account: accountId,
  region: regionName,
  /** An AMI id, an Image Builder image ARN, or an SSM parameter (`ssm:/…`). */
  parentImage: z.string().min(1),
  blockDeviceSnapshotIds: z.array(resourceId('snap')).optional(),
});
// Extension: SSM parameters a `resolve:ssm:` image id names (DescribeLaunchTemplateVersions ResolveAlias).
const ssmParameter = z.object({
  account: accountId,
  region: regionName,
  name: z.string().min(1),
  value: z.string().min(1),
});

const rdsEvent = z.object({
  account: accountId,
  region: regionName,
  sourceId: z.string().min(1),
  message: z.string(),
  date: isoTime,
  sourceType: z
    .enum([
      'db-instance',
      'db-cluster',
      'db-snapshot',
      'db-cluster-snapshot',
      'db-parameter-group',
      'db-security-group',
    ])
    .optional(), // default db-instance
  eventCategories: z.array(z.string()).optional(),
});

const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
const scpTarget = z
  .string()
  .refine(
    (t) => /^r-[0-9a-z]{4,32}$/.test(t) || OU_ID.test(t) || ACCOUNT_ID.test(t),
    'expected a root id (r-…), an OU id (ou-…-…) or a 12-digit account id',
  );
const organizationPolicies = z.object({
  managementAccount: accountId,
  policies: z.array(
    z.object({
      id: z.string().regex(/^p-[0-9a-zA-Z_]{8,128}$/, 'expected a policy id like p-abcd1234'),
      name: z.string().min(1).max(128),
      description: z.string().max(512).optional(),
      content: policyDocumentSchema,
      targets: z.array(scpTarget),
    }),
  ),
});

// Extension: an organization as AWS Organizations lists it (ListRoots, ListOrganizationalUnitsForParent,
// ListAccountsForParent, ListAccounts). Its members are the world's accounts whose `organization` is `arn`.
const OU_PARENT = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]+-[0-9a-z]+)$/;
const worldOrganization = z.object({
  arn: orgArn,
  /** The root's id; default r-root. */
  rootId: z
    .string()
    .regex(/^r-[0-9a-z]{4,32}$/, 'expected a root id like r-ab12')
    .optional(),
  /** The OU tree; OUs only named in accounts' `ous` hang from the OU before them there (else the root). */
  ous: z
    .array(
      z.object({
        id: z.string().regex(/^ou-[0-9a-z]+-[0-9a-z]+$/, 'expected an OU id like ou-ab12-cdef3456'),
        name: z.string().min(1).optional(),
        parent: z.string().regex(OU_PARENT, 'expected the parent root (r-…) or OU (ou-…) id'),
      }),
    )
    .optional(),
  /** Member accounts that may call the list actions besides the management account. */
  delegatedAdministrators: z.array(accountId).optional(),
  /** Fields ListAccounts answers: state (default), status (the field retired on 2026-09-09) or both. */
  accountFields: z.enum(['state', 'status', 'both']).optional(),
});

// Extension: what RestoreDBInstanceFromDBSnapshot / RestoreDBClusterFromSnapshot created.
const dbRestored = z.object({
  id: rdsId,
  account: accountId,
  region: regionName,
  engine: z.string().min(1),
  /** The snapshot ARN it was restored from (AWS itself keeps no such field; events do). */
  restoredFrom: z.string().optional(),
});

export const worldSchema = z.object({
  homeAccount: accountId,
  latencyMs: z.number().min(0).optional(),
  // Extension: latency per region (drawn per request, added to latencyMs; issue 24) and per action
  // (`"<service>:<Action>"` or `"<Action>"`, instead of latencyMs for those actions); src/testing/sim/latency.ts,
  // docs/simulator.md "Latency".
  latency: latencySchema.optional(),
  throttle: z
    .object({
      scale: z.number().min(0),
      // Extension: one bucket per action (AWS's own scheme) instead of per category.
      per: z.enum(['category', 'action']).optional(),
    })
    .optional(),
  accounts: z.array(account),
  images: z.array(image),
  snapshots: z.array(snapshot),
  dbSnapshots: z.array(dbSnapshot),
  dbClusterSnapshots: z.array(dbSnapshot),
  instances: z.array(instance),
  volumes: z.array(volume),
  // Dec 2026 contract:
  organizationPolicies: organizationPolicies.optional(),
  rdsEvents: z.array(rdsEvent).optional(),
  launchTemplates: z.array(launchTemplate).optional(),
  autoScalingGroups: z.array(autoScalingGroup).optional(),
  launchConfigurations: z.array(launchConfiguration).optional(),
  imageRecipes: z.array(imageRecipe).optional(),
  // Extensions:
  ssmParameters: z.array(ssmParameter).optional(),
  dbInstances: z.array(dbRestored).optional(),
  dbClusters: z.array(dbRestored).optional(),
  organizations: z.array(worldOrganization).optional(),
});

export type World = z.infer<typeof worldSchema>;
export type WorldAccount = World['accounts'][number];
export type WorldImage = World['images'][number];
export type WorldSnapshot = World['snapshots'][number];
export type WorldDbSnapshot = World['dbSnapshots'][number];
export type WorldInstance = World['instances'][number];
export type WorldVolume = World['volumes'][number];
export type WorldImageCriterion = z.infer<typeof imageCriterion>;
export type WorldLaunchPermission = WorldImage['launchPermissions'][number];
export type WorldRole = NonNullable<WorldAccount['roles']>[number];
export type WorldManagedPolicy = NonNullable<WorldAccount['policies']>[number];
export type WorldRecycleBinRule = NonNullable<WorldAccount['recycleBinRules']>[number];
export type WorldOrganizationPolicies = NonNullable<World['organizationPolicies']>;
export type WorldRdsEvent = NonNullable<World['rdsEvents']>[number];
export type WorldDbRestored = NonNullable<World['dbInstances']>[number];
export type WorldLaunchTemplate = NonNullable<World['launchTemplates']>[number];
export type WorldLaunchTemplateRef = z.infer<typeof launchTemplateRef>;
export type WorldAutoScalingGroup = NonNullable<World['autoScalingGroups']>[number];
export type WorldLaunchConfiguration = NonNullable<World['launchConfigurations']>[number];
export type WorldImageRecipe = NonNullable<World['imageRecipes']>[number];
export type WorldSsmParameter = NonNullable<World['ssmParameters']>[number];

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // A field that is not there at all reads better as "required" than as a type mismatch.
  if (
    issue.code === 'invalid_type' &&
    (issue.input === undefined || / received undefined$/.test(issue.message))
  ) {
    return 'required';
  }
  return issue.message.replace(/^Invalid input: /, '');
}

/** Checks what a schema cannot: ids unique, so indexes and paging stay sound. */
function crossCheck(w: World): string[] {
  const problems: string[] = [];
  const unique = (list: { id: string }[], name: string, keyOf: (x: never) => string) => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const key = keyOf(item as never);
      const first = seen.get(key);
      if (first !== undefined) problems.push(`${name}[${i}].id: duplicate of ${name}[${first}].id`);
      else seen.set(key, i);
    });
  };
  const byId = (x: { id: string }) => x.id;
  unique(w.accounts, 'accounts', byId);
  unique(w.images, 'images', byId);
  unique(w.snapshots, 'snapshots', byId);
  unique(w.instances, 'instances', byId);
  unique(w.volumes, 'volumes', byId);
  // RDS identifiers are unique per account and region only.
  const rdsKey = (x: WorldDbSnapshot) => `${x.region}|${x.owner}|${x.id.toLowerCase()}`;
  unique(w.dbSnapshots, 'dbSnapshots', rdsKey);
  unique(w.dbClusterSnapshots, 'dbClusterSnapshots', rdsKey);
  w.accounts.forEach((a, i) => {
    const names = new Set<string>();
    (a.policies ?? []).forEach((p, j) => {
      if (names.has(p.name)) problems.push(`accounts[${i}].policies[${j}].name: duplicate policy name`);
      names.add(p.name);
    });
    const roleNames = new Set<string>();
    (a.roles ?? []).forEach((r, j) => {
      if (roleNames.has(r.name.toLowerCase()))
        problems.push(`accounts[${i}].roles[${j}].name: duplicate role name`);
      roleNames.add(r.name.toLowerCase());
      (r.policies ?? []).forEach((arn, k) => {
        const m = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/(.*\/)?([^/]+)$/.exec(arn);
        if (m && m[1] === a.id && !names.has(m[3]!)) {
          problems.push(
            `accounts[${i}].roles[${j}].policies[${k}]: no policy named ${m[3]} in accounts[${i}].policies`,
          );
        } else if (m && m[1] !== a.id && m[1] !== 'aws') {
          problems.push(
            `accounts[${i}].roles[${j}].policies[${k}]: a managed policy of another account cannot be attached`,
          );
        }
      });
    });
  });
  unique(w.launchTemplates ?? [], 'launchTemplates', byId);
  (w.launchTemplates ?? []).forEach((t, i) => {
    const numbers = new Set<number>();
    t.versions.forEach((v, j) => {
      if (numbers.has(v.number))
        problems.push(`launchTemplates[${i}].versions[${j}].number: duplicate version number`);
      numbers.add(v.number);
    });
    if (t.versions.filter((v) => v.default).length > 1)
      problems.push(`launchTemplates[${i}].versions: more than one default version`);
  });
  // Names are unique per account and region (AWS's own rule for all three).
  const perAccountRegion = <T extends { name: string; account: string; region: string }>(
    list: readonly T[],
    name: string,
    keyOf: (x: T) => string = (x) => x.name,
  ) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      const key = `${x.account}|${x.region}|${keyOf(x)}`;
      if (seen.has(key)) problems.push(`${name}[${i}].name: duplicate in its account and region`);
      seen.add(key);
    });
  };
  perAccountRegion(w.launchTemplates ?? [], 'launchTemplates');
  perAccountRegion(w.autoScalingGroups ?? [], 'autoScalingGroups');
  perAccountRegion(w.launchConfigurations ?? [], 'launchConfigurations');
  perAccountRegion(w.imageRecipes ?? [], 'imageRecipes', (r) => `${r.name}/${r.version}`);
  const orgArns = new Set<string>();
  (w.organizations ?? []).forEach((o, i) => {
    if (orgArns.has(o.arn)) problems.push(`organizations[${i}].arn: duplicate organization`);
    orgArns.add(o.arn);
    const ids = new Set((o.ous ?? []).map((ou) => ou.id));
    const root = o.rootId ?? 'r-root';
    (o.ous ?? []).forEach((ou, j) => {
      if (ou.parent !== root && !ids.has(ou.parent))
        problems.push(`organizations[${i}].ous[${j}].parent: neither the root ${root} nor an OU of the list`);
    });
  });
  const scpIds = new Set<string>();
  (w.organizationPolicies?.policies ?? []).forEach((p, i) => {
    if (scpIds.has(p.id)) problems.push(`organizationPolicies.policies[${i}].id: duplicate policy id`);
    scpIds.add(p.id);
  });
  return problems;
}

/** Validates a world (already JSON-parsed). Throws WorldError naming every bad field. */
export function parseWorld(input: unknown): World {
  const result = worldSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    throw new WorldError(result.error.issues.map((i) => `${formatPath(i.path)}: ${issueMessage(i)}`));
  }
  const problems = crossCheck(result.data);
  if (problems.length) throw new WorldError(problems);
  return result.data;
}

export async function loadWorldFile(path: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new WorldError([`cannot read: ${(err as Error).message}`], `world file ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WorldError([`not valid JSON: ${(err as Error).message}`], `world file ${path}`);
  }
  return parseWorld(json);
}
