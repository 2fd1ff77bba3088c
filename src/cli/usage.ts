/** The CLI's exit codes and help text; shared by the dispatcher and every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2, partial: 3 } as const;

export const USAGE = `shareguard — find AMIs and snapshots shared into your AWS accounts by owners you do not trust

Usage:
  shareguard scan [--config FILE] [--world FILE] [--accounts IDS] [--regions LIST|all]
                  [--kinds LIST] [--trust IDS] [--no-trust-monitored] [--endpoint URL] [--json]
                  [--min-risk LEVEL] [--fail-on LEVEL] [--no-blast-radius]
  shareguard serve [--config FILE] [--world FILE] [--accounts IDS] [--regions LIST|all]
                   [--kinds LIST] [--trust IDS] [--channel ID] [--approvers IDS]
                   [--store embedded|memory|dynamodb] [--no-schedule] [--dry-run]
  shareguard remediate --plan [--config FILE]  the removal ladder of every open finding (changes nothing)
  shareguard store init [--config FILE]       create the DynamoDB table
  shareguard config check [--config FILE]
  shareguard guard print [--config FILE] [--format iam|scp|declarative] [--account ID]
                                              the guard policies (deny blocked images/snapshots);
                                              declarative: the Organizations Allowed AMIs policy
  shareguard guard apply [--config FILE] [--world FILE] [--dry-run]
  shareguard guard verify [--config FILE] [--world FILE]
                                              each guard policy against the store: drift re-applied
                                              (guard.mode print: reported); exit 1 if left
  shareguard allowed-amis check|apply [--config FILE] [--world FILE]
                                              Allowed AMIs vs the trust list (guard.allowedAmis)
  shareguard iam-policy [--config FILE] [--kinds LIST] [--scan-only]
                        [--for scanner|remediation|owner|guard|bot]
                        [--home-account ID] [--organization-id o-…]   (with --for bot)
  shareguard templates --out DIR [--format yaml|json] [--config FILE]
                                              CloudFormation: member accounts (StackSet),
                                              management account, shareguard's home account
  shareguard sim --world FILE [--port N]      run the AWS simulator standalone
  shareguard demo [--yes-trust|--yes-remove]  the bundled demo organization, Slack side included
  shareguard <command> --help                 that command's usage and options
  shareguard --version

serve reads SLACK_BOT_TOKEN always; SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET
with PORT (HTTP mode); SLACK_API_URL overrides the Slack Web API base URL.

The config file defaults to $SHAREGUARD_CONFIG, else ./shareguard.yml when present.
With --world, the simulator starts in-process on that world and no config file is needed.

Exit codes: 0 nothing untrusted and every target scanned; 1 untrusted findings;
            2 usage or configuration error; 3 no findings but some targets failed.
            With --fail-on LEVEL (critical, high, medium, low): 1 only for a finding at or above LEVEL.
            --min-risk LEVEL reports only findings at or above LEVEL.`;

/** A bad command line: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** A command: its arguments after the command word, the environment; resolves to the exit code. */
export type Command = (args: string[], env: NodeJS.ProcessEnv) => Promise<number>;
