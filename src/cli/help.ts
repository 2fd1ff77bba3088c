/**
 * `shareguard <command> --help`: each command's usage, printed by the dispatcher (src/cli/index.ts)
 * without loading the command. test/cli/help.test.ts checks that every option a command accepts is
 * described here, so a new option cannot be left out.
 */

const CONFIG = `  -c, --config FILE       the configuration file (default: $SHAREGUARD_CONFIG_YAML as text,
                          else $SHAREGUARD_CONFIG, else ./shareguard.yml)`;
const HELP = `  -h, --help              this help`;
const TARGETING = `      --world FILE        run the AWS simulator on this world file (no config needed)
      --accounts IDS      comma list of account ids (settings of accounts in the config are kept)
      --regions LIST|all  comma list of regions, or all (every region enabled for the account)
      --kinds LIST        ami, ebs-snapshot, rds-snapshot, rds-cluster-snapshot
      --trust IDS         comma list of trusted owner accounts (replaces the config's list)
      --no-trust-monitored  owners that are monitored accounts are reported too
      --endpoint URL      AWS endpoint override for every service
      --min-risk LEVEL    only findings at or above critical, high, medium or low
      --fail-on LEVEL     scan: exit 1 only for a finding at or above LEVEL
      --no-blast-radius   skip the lookups of what already uses each finding`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  scan: `Usage: shareguard scan [options]

Scans every monitored account and region once and prints the untrusted shares (a table, or --json).

Options:
${CONFIG}
${TARGETING}
      --json              machine-readable output (the contract in README.md)
${HELP}

Exit codes: 0 nothing untrusted and every target scanned; 1 untrusted findings;
            2 usage or configuration error; 3 no findings but some targets failed.`,

  serve: `Usage: shareguard serve [options]

Runs the Slack bot until SIGTERM/SIGINT: scheduled scans, findings in the channel, Trust/Remove.
Reads SLACK_BOT_TOKEN always; SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET with PORT (HTTP
mode). /healthz and /metrics answer on the health port (HEALTH_PORT; Socket Mode default: PORT, 3000;
HTTP mode: PORT; HEALTH_PORT=off: none). docs/slack.md, docs/operations.md.

Options:
${CONFIG}
${TARGETING}
      --json              (scan only; refused here)
      --channel ID        the Slack channel (slack.channel)
      --approvers IDS     comma list of approver user ids (slack.approvers.users)
      --store KIND        embedded, memory or dynamodb (store.kind)
      --no-schedule       no scheduled scans or digests
      --dry-run           every Remove runs as a plan: nothing changes in AWS
${HELP}`,

  store: `Usage: shareguard store init [options]

Creates the DynamoDB table (store.kind: dynamodb), or the embedded store's table. The name, region and
endpoint come from the config's store section (SHAREGUARD_TABLE, SHAREGUARD_DYNAMODB_ENDPOINT,
AWS_REGION). An existing table with the right layout is fine.

Options:
${CONFIG}
      --store KIND        embedded, memory or dynamodb (store.kind)
${HELP}`,

  config: `Usage: shareguard config check [options]

Loads and validates the configuration (file, environment); lists every problem with its path (exit 2).

Options:
${CONFIG}
${HELP}`,

  'iam-policy': `Usage: shareguard iam-policy [options]

Prints the IAM policy JSON one of shareguard's identities needs, generated from the code.

Options:
${CONFIG}
      --kinds LIST        only these resource kinds
      --scan-only         scanner: listing only, without the recipient-side Remove rungs
      --for WHO           scanner (default), remediation, owner, guard or bot
      --home-account ID   with --for bot: the account of shareguard's table (exact table ARN)
      --organization-id ID  with --for bot: the organization (o-…) the monitored roles belong to
${HELP}`,

  templates: `Usage: shareguard templates --out DIR [options]

Writes the CloudFormation templates, generated from the same registries as iam-policy:
member-account (a service-managed StackSet), management-account and shareguard-home. docs/deploy.md.

Options:
  -o, --out DIR           where the templates are written (required)
      --format FORMAT     yaml (default) or json
${CONFIG}
${HELP}`,

  remediate: `Usage: shareguard remediate --plan [options]

Prints the removal ladder of every open finding; changes nothing (Remove is decided in Slack).

Options:
${CONFIG}
      --plan              required
${HELP}`,

  'allowed-amis': `Usage: shareguard allowed-amis check|apply [options]

Compares EC2 Allowed AMIs with the trust list (guard.allowedAmis); apply changes what differs.

Options:
${CONFIG}
      --world FILE        run the AWS simulator on this world file
      --accounts IDS      comma list of account ids
      --regions LIST|all  comma list of regions, or all
      --endpoint URL      AWS endpoint override for every service
      --store KIND        embedded, memory or dynamodb (store.kind)
      --format FORMAT     (guard print --format declarative)
${HELP}`,

  guard: `Usage: shareguard guard print [--format iam|scp|declarative] [--account ID] [options]
       shareguard guard apply [--dry-run] [options]
       shareguard guard verify [options]

print: the guard policies (deny blocked images and snapshots); declarative: the Organizations
Allowed AMIs policy. apply: writes them (guard.mode). verify: each guard policy against the store;
drift is re-applied (guard.mode print: reported); exit 1 if drift is left.

Options:
${CONFIG}
      --world FILE        run the AWS simulator on this world file
      --store KIND        embedded, memory or dynamodb (store.kind)
      --format FORMAT     print: iam, scp or declarative
      --account ID        print: one monitored account
      --dry-run           apply: say what would change
      --accounts IDS      (--format declarative) comma list of account ids
      --regions LIST|all  (--format declarative) comma list of regions, or all
      --endpoint URL      (--format declarative) AWS endpoint override
${HELP}`,

  sim: `Usage: shareguard sim --world FILE [--port N] [--host ADDRESS]

Runs the AWS simulator standalone (docs/simulator.md) until SIGINT/SIGTERM.

Options:
  -w, --world FILE        the world file (required)
  -p, --port N            the port (default: a free one; the URL is printed)
      --host ADDRESS      the address to listen on (default 127.0.0.1)
${HELP}`,

  demo: `Usage: shareguard demo [--yes-trust|--yes-remove] [--keep] [--scan-only]

The bundled demo organization end to end, Slack side included; nothing reaches AWS or Slack.

Options:
      --yes-trust         trust every finding without asking
      --yes-remove        remove every finding without asking
      --keep              keep the demo's store (.shareguard/demo) from the last run
      --scan-only         only the scanner's table
${HELP}`,
};

/** `--help` / `-h` before a `--` terminator. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
