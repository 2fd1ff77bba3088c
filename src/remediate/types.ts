/**
 * The removal ladder's vocabulary (docs/aws.md "The removal ladder"): one module per remediation, each
 * declaring when it applies, what it will do (words for the confirm dialog), which IAM actions it needs
 * in which role, how to run it and how to verify it.
 */
import type { MonitoredAccount } from '../aws/account.ts';
import type { ServiceClients } from '../aws/kinds/kind.ts';
import type { Finding, SharedVia } from '../domain/finding.ts';
import type { Actor, RemediationId, StepResult } from '../domain/lifecycle.ts';
import type { GuardMode, GuardPort } from './guard-port.ts';

export type { RemediationId, StepResult };

/** Which identity a remediation's IAM actions belong to (`shareguard iam-policy --for …`). */
export type RemediationRole =
  /** The role in the monitored (recipient) account. */
  | 'remediation'
  /** The role in the owner account (a monitored account that is not a trusted source). */
  | 'owner'
  /** The identity that writes the guard (IAM in monitored accounts, or Organizations). */
  | 'guard';

/** What is known when deciding which rungs apply; pure data, built from the config (remediate/context.ts). */
export interface RemediationContext {
  /** The owner account, when shareguard has a role there (a monitored account): owner-side rungs apply. */
  owner?: MonitoredAccount;
  /** The monitored account that sees the resource; absent when it is no longer monitored. */
  recipient?: MonitoredAccount;
  guardMode: GuardMode;
  dryRun: boolean;
}

/** AWS clients acting as one account in the finding's region (`serviceClients` in src/aws/kinds/kind.ts). */
export type AccountClients = ServiceClients;

/** What `run` gets: clients for both sides, the guard, and the plan-only switch. */
export interface RemediationDeps {
  context: RemediationContext;
  recipient: AccountClients;
  /** Present exactly when `context.owner` is. */
  owner?: AccountClients;
  guard: GuardPort;
  /** The decision carrying this step out (the guard records it on the blocked resource). */
  decision: { decisionId: string; by: Actor; at: string };
  /**
   * An earlier run recorded this rung as `attempting` and never recorded its end (a crash or a store
   * failure after the AWS call): the call may have landed, so a rung whose write is not naturally
   * idempotent checks first.
   */
  resumed?: boolean;
}

/** What one rung did. */
export interface StepOutcome {
  /** `done`: it did what it says (or, in a dry run, AWS said it would be allowed). `failed`: retryable. */
  status: 'done' | 'failed';
  result: StepResult;
  /** In plain words; AWS's error when it failed. */
  detail: string;
  /** `"service:Action target → answer"`, for the decision log. */
  calls: string[];
  /** After this rung, does the monitored account still see the resource? (undefined: not checked) */
  stillVisible?: boolean;
  /** A share path learned on the way (owner side read, or a cancel answered NotFound while visible). */
  learnedSharedVia?: SharedVia;
  /** Organization / OU shares seen at the source and left in place (never removed as a side effect). */
  orgShares?: string[];
}

export interface Remediation {
  id: RemediationId;
  /** Short name for buttons and logs: "Revoke at the source". */
  title: string;
  /** IAM actions it may call, per identity; `shareguard iam-policy` and a test rely on them. */
  iamActions: Partial<Record<RemediationRole, readonly string[]>>;
  /** Whether this rung applies to the finding as known now (pure). */
  appliesTo(finding: Finding, context: RemediationContext): boolean;
  /** One sentence: what it will do, honestly (`shareguard remediate --plan`, the dry-run report). */
  plan(finding: Finding, context: RemediationContext): string;
  /** A few words for the confirm dialog (Slack allows 300 characters for all rungs together). */
  step(finding: Finding, context: RemediationContext): string;
  /**
   * Does it and verifies it (or, in a dry run, asks AWS whether it could, changing nothing).
   * Never throws: failures are outcomes. Idempotent: it reads before it writes, so running it again
   * after a crash gives the same end state.
   */
  run(finding: Finding, deps: RemediationDeps): Promise<StepOutcome>;
  /** Checks the effect AWS reports now (also used by `run`); `calls` are added to the step's log. */
  verify(finding: Finding, deps: RemediationDeps): Promise<{ ok: boolean; detail: string; calls: string[] }>;
}
