import cron from 'node-cron';
import { z } from 'zod';
import { RESOURCE_KINDS, RISK_LEVELS } from '../domain/finding.ts';
import { ACCOUNT_ID_PATTERN, ACCOUNT_ID_SOURCE, REGION_PATTERN } from '../domain/ids.ts';

export const ACCOUNT_ID = z.string().regex(ACCOUNT_ID_PATTERN, 'expected a 12-digit AWS account id');
export const REGION = z.string().regex(REGION_PATTERN, 'expected an AWS region name such as us-east-1');
export const DEFAULT_ROLE_NAME = 'ShareGuardScanner';

const roleSchema = z.union([
  z.literal('none').describe('use the home credentials (the account shareguard runs in)'),
  z.string().regex(/^[\w+=,.@/-]{1,64}$/, 'expected an IAM role name'),
  z.strictObject({
    name: z.string().regex(/^[\w+=,.@/-]{1,64}$/, 'expected an IAM role name'),
    externalId: z.string().min(2).max(1224).optional(),
  }),
]);

const accountSchema = z.strictObject({
  id: ACCOUNT_ID,
  name: z.string().min(1).max(64).optional(),
  /** Omitted: `aws.defaultRole`. `none`: the home credentials. */
  role: roleSchema.optional(),
  /**
   * false: what this account shares into the others is NOT trusted (a sandbox): its shares are findings,
   * and shareguard may revoke (or delete) them at the source with this account's role. Default true.
   */
  trustedSource: z.boolean().optional(),
});

/** OUs (with their sub-OUs) or the root, for `organization.include` / `exclude`. */
const orgParentId = z
  .string()
  .regex(
    /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
    'expected an organization root (r-…) or an OU id (ou-…-…)',
  );

/**
 * Accounts discovered from AWS Organizations at every scan (src/aws/organization.ts, docs/aws.md
 * "Organizations"). The account is the management account or a delegated administrator.
 */
const organizationSchema = z.strictObject({
  account: ACCOUNT_ID,
  /** Assumed in `account`; omitted: `aws.defaultRole`; `none`: the home credentials. */
  role: roleSchema.optional(),
  /** OUs (with their sub-OUs) or the root to monitor; default: the whole organization. */
  include: z.array(orgParentId).default([]),
  /** Accounts (or OUs, with their sub-OUs) left out. */
  exclude: z.array(z.union([ACCOUNT_ID, orgParentId])).default([]),
});

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U012ABCDEF');
const slackGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id such as S012ABCDEF');

const cronExpression = z
  .string()
  .refine((v) => cron.validate(v), 'expected a cron expression such as "0 */6 * * *"');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Issue 9's keys in the `guard` section: Allowed AMIs kept in step with the trust list (src/allowed-amis).
 * Spread into the guard section's object (`...ALLOWED_AMIS_CONFIG_KEYS`).
 */
export const ALLOWED_AMIS_CONFIG_KEYS = {
  /** off, audit (`audit-mode`) or enforce (`enabled`). */
  allowedAmis: z.enum(['off', 'audit', 'enforce']).default('off'),
  allowedAmiProviders: z
    .strictObject({
      /** Also allow AWS Marketplace images (`aws-marketplace`). */
      awsMarketplace: z.boolean().default(false),
      /** Also allow AWS Backup logically air-gapped vault images (`aws-backup-vault`). */
      awsBackupVault: z.boolean().default(false),
    })
    .prefault({}),
};

const iamRoleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name (no path)');
/** An SCP target: the organization root, an OU, or an account. */
const scpTarget = z
  .string()
  .regex(
    new RegExp(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|${ACCOUNT_ID_SOURCE})$`),
    'expected an organization root (r-…), an OU (ou-…-…) or a 12-digit account id',
  );

/** The guard (docs/aws.md "Guard"): deny policies AWS enforces on blocked images and snapshots. */
const guardSchema = z
  .strictObject({
    /** `off`: nothing is blocked; `print`: policies printed for your IaC; `iam-policy` / `scp`: applied. */
    mode: z.enum(['off', 'iam-policy', 'scp', 'print']).default('off'),
    /** Further policies when one is full: `<name>-2`, `<name>-3`, … (IAM names ≤ 128 characters). */
    policyName: z
      .string()
      .regex(/^[\w+=,.@-]{1,120}$/, 'expected an IAM policy name of at most 120 characters')
      .default('ShareGuardBlocked'),
    /** iam-policy: the roles in each monitored account the policy is attached to (workload roles). */
    attachToRoles: z.array(iamRoleName).default([]),
    ...ALLOWED_AMIS_CONFIG_KEYS,
    scp: z
      .strictObject({
        managementAccount: ACCOUNT_ID,
        /** The role shareguard assumes in the management account; omitted: `aws.defaultRole`. */
        role: roleSchema.optional(),
        targets: z.array(scpTarget).min(1, 'list at least one target (root, OU or account) for the SCPs'),
      })
      .optional(),
  })
  .prefault({})
  .refine((g) => g.mode !== 'scp' || g.scp !== undefined, {
    message: 'guard.mode "scp" needs guard.scp: { managementAccount, targets }',
    path: ['scp'],
  });

const configObject = z.strictObject({
  aws: z
    .strictObject({
      /** Endpoint override for every AWS service (the simulator, a VPC endpoint proxy). */
      endpoint: z
        .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://ec2.example.com' })
        .optional(),
      homeRegion: REGION.default('us-east-1'),
      defaultRole: z.string().default(DEFAULT_ROLE_NAME),
      roleSessionName: z
        .string()
        .regex(/^[\w+=,.@-]{2,64}$/)
        .default('shareguard'),
      /** SDK attempts per call (adaptive retry); throttling that outlasts them fails the target. */
      maxAttempts: z.int().min(1).max(20).default(6),
      /** Calls in flight across the whole scan: where the limit starts (fixed without `adaptiveConcurrency`). */
      concurrency: z.int().min(1).max(1024).default(64),
      /**
       * The limit grows while AWS is slow and the scan's threads idle, and shrinks on throttling or event-loop
       * lag (src/scan/adaptive.ts), between concurrency ÷ 4 and `maxConcurrency`. Off: fixed at `concurrency`.
       */
      adaptiveConcurrency: z.boolean().default(true),
      maxConcurrency: z.int().min(1).max(4096).default(1024),
      /**
       * Threads a scan runs its accounts on (worker_threads; the calling thread only coordinates); default
       * one per available core, at most one per 50 accounts (`ACCOUNTS_PER_THREAD`). 1 keeps the whole scan in the calling thread.
       */
      workers: z.int().min(1).max(64).optional(),
      /** Multiplies the per-account-region pace (AWS token buckets); lower it if you share the account's budget. */
      paceScale: z.number().positive().max(100).default(1),
    })
    .prefault({}),
  /** With `organization`: optional, only settings for discovered accounts or accounts outside it. */
  accounts: z.array(accountSchema).default([]),
  organization: organizationSchema.optional(),
  regions: z.union([z.literal('all'), z.array(REGION).min(1)]).default('all'),
  kinds: z
    .array(z.enum(RESOURCE_KINDS))
    .min(1)
    .default([...RESOURCE_KINDS]),
  trust: z
    .strictObject({
      monitoredAccounts: z.boolean().default(true),
      /** Owners that are accounts of `organization` are trusted; default true when `organization` is set. */
      organization: z.boolean().optional(),
      accounts: z.array(z.strictObject({ id: ACCOUNT_ID, note: z.string().max(500).optional() })).default([]),
    })
    .prefault({}),
  slack: z
    .strictObject({
      channel: z
        .string()
        .regex(/^[CG][A-Z0-9]{2,}$/, 'expected a Slack channel id such as C012ABCDEF')
        .optional(),
      approvers: z
        .strictObject({
          users: z.array(slackUserId).default([]),
          usergroups: z.array(slackGroupId).default([]),
        })
        .prefault({}),
      /** When set, requests from other workspaces / apps are refused. */
      teamId: z.string().optional(),
      appId: z.string().optional(),
      /** Findings per scan above which messages are grouped per owner. */
      maxMessagesPerScan: z.int().min(1).max(200).default(20),
      /**
       * Who `/shared-scan` answers (status, trusted, scans): `channel` (default) — anyone in
       * `slack.channel`, and approvers anywhere; `approvers` — approvers only; `anyone` — every member.
       */
      readers: z.enum(['channel', 'approvers', 'anyone']).default('channel'),
      /** Scans a user who is not an approver may start per window (approvers are not limited). */
      scanRateLimit: z
        .strictObject({
          scans: z.int().min(0).max(100).default(2),
          windowMinutes: z
            .int()
            .min(1)
            .max(24 * 60)
            .default(60),
        })
        .prefault({}),
      /**
       * `thread` (default): a scan's progress/summary is its only top-level message and its findings go
       * into that message's thread (critical ones also broadcast); the digest likewise. `flat`: every
       * finding message is top-level, as before. docs/slack.md "One thread per scan".
       */
      layout: z.enum(['thread', 'flat']).default('thread'),
      /** Minimum gap between two chat.postMessage calls (Slack allows about 1 post per second per channel). */
      postIntervalMs: z.int().min(0).max(60_000).default(1100),
      /**
       * Trust, Block account and Delete at source ask for a reason in a modal (Remove: optional), and
       * Trust for an expiry. `false`: reasons are optional, and without a two-person rule a button acts
       * at once (behind Slack's confirm dialog), as before. docs/slack.md "Reasons and expiry".
       */
      requireReason: z.boolean().default(true),
      /**
       * The Trust modal's preselected expiry (issue 23): 7, 30 or 90 days (default), or `never`; every
       * choice stays offered in the modal.
       */
      trustExpiry: z
        .union([z.literal(7), z.literal(30), z.literal(90), z.literal('never')], {
          error: "expected 7, 30, 90 or 'never'",
        })
        .default(90),
      /**
       * Decisions that need a second approver: the first approver's submission (with its reason) becomes
       * a request others Confirm or Reject; it expires after `expiresAfter`. Absent: no two-person rule.
       */
      twoPersonRule: z
        .strictObject({
          actions: z
            .array(z.enum(['remove', 'delete-at-source', 'block-account', 'trust']))
            .min(1, 'list at least one action (remove, delete-at-source, block-account, trust)'),
          expiresAfter: z
            .string()
            .regex(/^\d+[mhd]$/, "expected a duration such as '30m', '24h' or '7d'")
            .default('24h'),
        })
        .optional(),
      /** Who is mentioned in a finding message at or above `minRisk` (issue 9). */
      notify: z
        .strictObject({
          users: z.array(slackUserId).default([]),
          usergroups: z.array(slackGroupId).default([]),
          minRisk: z.enum(RISK_LEVELS).default('critical'),
        })
        .prefault({}),
    })
    .prefault({}),
  // --- issue 9: blast radius, risk, Allowed AMIs -------------------------------------------
  scan: z
    .strictObject({
      /** Look up who uses each finding (instances, volumes, copies, restores); `--no-blast-radius` turns it off. */
      blastRadius: z.boolean().default(true),
    })
    .prefault({}),
  risk: z
    .strictObject({
      /** "Recently created" for the new-owner signal. */
      recentDays: z.int().min(1).max(3650).default(30),
      /** Monitored accounts one owner must share into at once for the spray signal. */
      sprayAccounts: z.int().min(2).max(10_000).default(3),
      /** Your own official image families, on top of the built-in vendors (src/domain/official-images.ts). */
      patterns: z
        .array(
          z.strictObject({
            id: z.string().regex(/^[\w.-]{1,64}$/, 'expected an id of letters, digits, . _ -'),
            label: z.string().min(1).max(100),
            publisher: z.string().max(200).optional(),
            patterns: z.array(z.string().min(1).max(128)).min(1, 'list at least one name pattern'),
            owners: z.array(ACCOUNT_ID).default([]),
            aliases: z.array(z.enum(['amazon', 'aws-marketplace', 'aws-backup-vault'])).default([]),
          }),
        )
        .default([]),
    })
    .prefault({}),
  // The guard section is the guard engineer's; issue 9 adds only the Allowed AMIs keys (spread in).
  store: z
    .strictObject({
      /** `embedded`: dynalite on disk under dataDir; `memory`: throwaway; `dynamodb`: real DynamoDB. */
      kind: z.enum(['embedded', 'memory', 'dynamodb']).default('embedded'),
      tableName: z
        .string()
        .regex(/^[\w.-]{3,255}$/)
        .default('shareguard'),
      endpoint: z
        .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://localhost:8000' })
        .optional(),
      region: REGION.optional(),
      dataDir: z.string().default('.shareguard/data'),
    })
    .prefault({}),
  remediation: z
    .strictObject({
      /**
       * Every rung of the removal ladder and every guard change runs as a plan (EC2 DryRun=true where
       * AWS has it): nothing is changed in AWS. Also `serve --dry-run`.
       */
      dryRun: z.boolean().default(false),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      scan: cronExpression.default('0 */6 * * *'),
      digest: cronExpression.default('0 9 * * *'),
      timezone: z
        .string()
        .refine(isTimeZone, 'expected an IANA time zone such as UTC or Europe/Berlin')
        .default('UTC'),
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  guard: guardSchema,
});

/** Accounts to monitor come from `accounts:`, or from `organization` (discovered at every scan). */
export const configSchema = configObject.refine(
  (c) => c.accounts.length > 0 || c.organization !== undefined,
  {
    message: 'list at least one account to monitor (or set organization to discover them)',
    path: ['accounts'],
  },
);

export type Config = z.infer<typeof configSchema>;
