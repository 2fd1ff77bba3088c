import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { scanCommand } from '../cli/commands/scan.ts';
import { runCommand } from '../cli/run.ts';
import { loadConfig } from '../config/load.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';
import { confirmWords, remediationContext } from '../remediate/registry.ts';
import { startServer, type RunningServer } from '../serve.ts';
import { startWorld } from '../runtime/world.ts';
import { renderMessage } from '../testing/slack-api/render.ts';
import { renderSlackUx, renderView } from '../testing/slack-api/render-views.ts';
import type { StoredView } from '../testing/slack-api/views.ts';
import { encodeOpener, REVIEW_ACTIONS, REVIEW_CALLBACK } from '../slack/messages/review.ts';
import { modalFollowsClick } from '../slack/decision-view.ts';
import { BLOCK_ACCOUNT_ACTION } from '../slack/messages/guard.ts';
import { startLocalSlackApi } from '../testing/slack-api/server.ts';
import {
  buttonClickForm,
  sendSigned,
  slashCommandForm,
  viewActionForm,
  viewSubmissionForm,
} from '../testing/signed-request.ts';
import { decodeMetadata, EXPIRY_BLOCK, REASON_BLOCK, REASON_CALLBACK } from '../slack/messages/modals.ts';

export const DEMO_WORLD = fileURLToPath(new URL('../../demo/world.json', import.meta.url));
export const DEMO_CONFIG = fileURLToPath(new URL('../../demo/shareguard.yml', import.meta.url));
const DEMO_DATA = '.shareguard/demo';
const SECRET = 'demo-signing-secret';
const TEAM = 'T0LOCAL';

type Choice = 'trust' | 'remove' | 'skip';
type Mode = 'interactive' | 'walkthrough' | 'trust-all' | 'remove-all';

const say = (s = '') => process.stdout.write(`${s}\n`);
const rule = (title: string) => say(`\n━━ ${title} ${'━'.repeat(Math.max(0, 76 - title.length))}`);
const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `  │ ${l}`)
    .join('\n');

/**
 * The product end to end with no AWS and no Slack: the scan table from the CLI, then the real Bolt app
 * (HTTP mode) driven by signed requests, posting to a local stand-in of Slack's Web API that this prints.
 * Every Trust/Remove goes through the same listeners, decision code and store as a button click in Slack.
 */
/** The demo's options (`shareguard demo --help`: src/cli/help.ts). */
export const DEMO_OPTIONS = {
  'yes-trust': { type: 'boolean' },
  'yes-remove': { type: 'boolean' },
  keep: { type: 'boolean' },
  'scan-only': { type: 'boolean' },
} as const;

export async function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: DEMO_OPTIONS, strict: true });
  const mode: Mode = values['yes-trust']
    ? 'trust-all'
    : values['yes-remove']
      ? 'remove-all'
      : process.stdin.isTTY && process.stdout.isTTY
        ? 'interactive'
        : 'walkthrough';

  say(
    'shareguard demo — a simulated AWS organization of 5 accounts (one, "legacy", refuses shareguard\'s role).',
  );
  rule('1. shareguard scan (the command-line scanner)');
  const code = await runCommand(() => scanCommand(['--world', DEMO_WORLD, '--config', DEMO_CONFIG], env));
  if (code === 2) return code;
  if (values['scan-only']) return 0;

  if (!values.keep) await rm(DEMO_DATA, { recursive: true, force: true });
  const world = await startWorld(DEMO_WORLD);
  const slack = await startLocalSlackApi();
  let server: RunningServer | undefined;
  try {
    const config = await loadConfig({
      file: DEMO_CONFIG,
      overrides: { endpoint: world.endpoint, store: 'embedded' },
    });
    config.store.dataDir = DEMO_DATA;
    config.schedule.enabled = false;
    // Slack's ~1 post/s pace is real in production; the local stand-in needs none to show the thread.
    config.slack.postIntervalMs = 50;
    // A small message budget so the demo's handful of findings shows owner-first triage (issue 23):
    // one message per untrusted owner, each with Review; production's default is 20.
    config.slack.maxMessagesPerScan = 3;
    const approver = config.slack.approvers.users[0]!;
    const channel = config.slack.channel!;
    server = await startServer({
      config,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-demo',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
      },
      credentials: world.credentials,
      log: pino({ level: env.LOG_LEVEL ?? 'warn' }),
    });
    const events = `${server.url}/slack/events`;
    const running = server;
    /**
     * What a person does: the button click opens the reason modal (`slack.requireReason`), which is
     * submitted with a reason (and, for Trust, an expiry) — both as signed requests into the Bolt app.
     */
    const clickWithReason = async (c: {
      actionId: string;
      findingId: string;
      messageTs: string;
      reason: string;
      expiry?: '7' | '30' | '90' | 'never';
      /** Clicked in this Review modal instead of on the message. */
      review?: StoredView;
    }): Promise<void> => {
      const triggerId = slack.views.issueTrigger(approver);
      await sendSigned(
        events,
        SECRET,
        c.review
          ? viewActionForm({
              actionId: c.actionId,
              value: c.findingId,
              userId: approver,
              teamId: TEAM,
              triggerId,
              view: {
                id: c.review.id,
                type: 'modal',
                hash: c.review.hash,
                callback_id: REVIEW_CALLBACK,
                private_metadata: c.review.privateMetadata ?? '',
              },
            })
          : buttonClickForm({
              actionId: c.actionId,
              value: c.findingId,
              userId: approver,
              teamId: TEAM,
              channelId: channel,
              messageTs: c.messageTs,
              responseUrl: slack.responseUrl(),
              triggerId,
            }),
      );
      await running.idle();
      const modal = slack.views
        .modals()
        .filter((v) => v.callbackId === REASON_CALLBACK && v.userId === approver)
        .find((v) => {
          const m = decodeMetadata(v.privateMetadata);
          return m.ok && m.value.findingId === c.findingId && !submitted.has(v.id);
        });
      if (!modal) return; // one-click decisions (slack.requireReason: false) carry out at once
      submitted.add(modal.id);
      say(
        `  (the reason modal opens; reason: "${c.reason}"${c.expiry ? `, trust for ${c.expiry} days` : ''})`,
      );
      await sendSigned(
        events,
        SECRET,
        viewSubmissionForm({
          userId: approver,
          teamId: TEAM,
          view: slack.views.submitted(modal.id, {
            [REASON_BLOCK]: c.reason,
            ...(c.expiry ? { [EXPIRY_BLOCK]: c.expiry } : {}),
          }),
        }),
      );
      await running.idle();
    };
    const submitted = new Set<string>();

    rule(`2. /shared-scan in #security, typed by @${approver} (decisions are kept in ${DEMO_DATA})`);
    await sendSigned(
      events,
      SECRET,
      slashCommandForm({
        text: '',
        userId: approver,
        channelId: channel,
        teamId: TEAM,
        responseUrl: slack.responseUrl(),
      }),
    );
    await server.idle();
    for (const m of slack.messages(channel)) say(`\n${indent(renderMessage(m, { width: 100 }))}`);

    const open = await server.ctx.deps.store.listFindings({ states: ['open'] });
    if (!open.length) {
      say('\nNothing waits for a decision (run without --keep for a fresh start).');
      return 0;
    }
    rule('2b. The same in Slack: the scan thread, a reason modal, the App Home');
    say(
      await renderSlackUx({
        api: slack,
        events,
        secret: SECRET,
        channel,
        teamId: TEAM,
        user: approver,
        idle: () => running.idle(),
        ...(open[0] ? { finding: open[0].finding } : {}),
        width: 100,
      }),
    );
    /** @approver clicks "Review" on an owner's message: the Review modal (its findings, Remove / Trust each). */
    const openReview = async (owner: string, messageTs: string): Promise<StoredView | undefined> => {
      const before = slack.views.modals().length;
      await sendSigned(
        events,
        SECRET,
        buttonClickForm({
          actionId: REVIEW_ACTIONS.open,
          value: encodeOpener(owner, 0),
          userId: approver,
          teamId: TEAM,
          channelId: channel,
          messageTs,
          responseUrl: slack.responseUrl(),
          triggerId: slack.views.issueTrigger(approver),
        }),
      );
      await running.idle();
      const v = slack.views.modals().at(-1);
      return slack.views.modals().length > before && v?.callbackId === REVIEW_CALLBACK ? v : undefined;
    };
    const first = open.find((r) => r.message?.layout === 'owner');
    if (first?.message) {
      rule(
        `2c. Owner-first triage: @${approver} clicks "Review" on the message of ${first.finding.ownerAccountId}`,
      );
      const review = await openReview(first.finding.ownerAccountId, first.message.ts);
      if (review) say(renderView(review.view, { width: 100 }));
    }

    rule("3. Decisions: Remove / Trust in each owner's Review (signed clicks into the Bolt app)");
    const rl =
      mode === 'interactive' ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
    try {
      const walk = walkthroughChoices(open);
      for (const rec of open) {
        const fresh = await server.ctx.deps.store.getFinding(rec.finding.id);
        if (!fresh || fresh.state !== 'open' || !fresh.message) continue;
        const f = fresh.finding;
        say(
          `\n• ${f.kind} ${f.resourceId} from ${f.ownerAccountId} in ${f.accountName ?? f.accountId} ${f.region}`,
        );
        say(`  Remove would: ${confirmWords('remove', f, remediationContext(config, f))}`);
        const choice: Choice =
          mode === 'trust-all'
            ? 'trust'
            : mode === 'remove-all'
              ? 'remove'
              : mode === 'walkthrough'
                ? (walk.get(f.id) ?? 'skip')
                : await ask(rl!);
        if (choice === 'skip') {
          say('  (skipped: it stays open)');
          continue;
        }
        // The owner message's Review; there, a click whose reason modal follows uses the Review's own
        // action (the modal is pushed on top), else the message button's (behind its confirm dialog).
        const review = fresh.message.layout
          ? await openReview(f.ownerAccountId, fresh.message.ts)
          : undefined;
        say(
          `  → @${approver} ${review ? 'opens Review and ' : ''}clicks ${choice === 'trust' ? '"Trust account"' : '"Remove"'}` +
            `${modalFollowsClick(config, choice) ? '' : ' and confirms'}`,
        );
        await clickWithReason({
          actionId:
            review && modalFollowsClick(config, choice) ? REVIEW_ACTIONS[choice] : `shareguard.${choice}`,
          findingId: f.id,
          messageTs: fresh.message.ts,
          reason: REASONS[choice],
          ...(choice === 'trust' ? { expiry: '30' as const } : {}),
          ...(review ? { review } : {}),
        });
        const updated = slack.message(fresh.message.channel, fresh.message.ts);
        if (updated) say(indent(renderMessage(updated, { width: 100 })));
      }
    } finally {
      rl?.close();
    }

    // Block account: one click denies everything an attacker shares, now and later (docs/aws.md "Guard").
    const attacker = (await server.ctx.deps.store.listFindings({ states: ['open'] })).find(
      (r) => r.finding.ownerAccountId === ATTACKER && r.message,
    );
    if (attacker?.message && mode !== 'trust-all') {
      rule(`3b. Block account ${ATTACKER}: deny all it shares, in every monitored account`);
      say(
        `  → @${approver} clicks "Block account ${ATTACKER}" on ${attacker.finding.resourceId} and confirms`,
      );
      await clickWithReason({
        actionId: BLOCK_ACCOUNT_ACTION,
        findingId: attacker.finding.id,
        messageTs: attacker.message.ts,
        reason: 'impersonates Amazon Linux and shares a customer-data snapshot',
      });
      const last = slack.messages(channel).at(-1);
      if (last) say(indent(renderMessage(last, { width: 100 })));
    }

    rule('4. /shared-scan status');
    await sendSigned(
      events,
      SECRET,
      slashCommandForm({
        text: 'status',
        userId: approver,
        channelId: channel,
        teamId: TEAM,
        responseUrl: slack.responseUrl(),
      }),
    );
    await server.idle();
    const status = slack.responses.at(-1)?.payload as { text?: string; blocks?: unknown[] } | undefined;
    if (status) say(indent(renderMessage(status, { width: 100 })));
    say(
      `\nDone. ${slack.calls.length} Slack Web API calls were answered by the local stand-in; ` +
        'see README.md to connect a real workspace.',
    );
    if (mode === 'walkthrough')
      say('Run `npm run demo -- --yes-remove` or `--yes-trust`, or in a terminal to choose yourself.');
    return 0;
  } finally {
    await server?.stop();
    await slack.close();
    await world.stop();
  }
}

/**
 * Non-interactive default: one of each rung of the removal ladder — a revoke at the source (the sandbox's
 * snapshot: shareguard has a role in the owner account), a recipient cancel (an AMI shared directly),
 * a block (an RDS cluster snapshot: nothing else applies) — and one trust; the rest stays open.
 */
function walkthroughChoices(open: readonly FindingRecord[]): Map<string, Choice> {
  const out = new Map<string, Choice>();
  const pick = (test: (r: FindingRecord) => boolean, choice: Choice) => {
    const r = open.find((x) => !out.has(x.finding.id) && test(x));
    if (r) out.set(r.finding.id, choice);
  };
  pick((r) => r.finding.ownerAccountId === SANDBOX, 'remove');
  pick((r) => r.finding.kind === 'ami' && r.finding.ownerAccountId === '444444444444', 'remove');
  pick((r) => r.finding.kind === 'rds-cluster-snapshot', 'remove');
  pick((r) => r.finding.kind === 'ami' && r.finding.ownerAccountId === '888888888888', 'trust');
  return out;
}

const REASONS: Record<Exclude<Choice, 'skip'>, string> = {
  remove: 'untrusted owner; nothing of ours should depend on it',
  trust: 'GPU experiments team, reviewed by security',
};

/** The demo's sandbox account (demo/shareguard.yml: `trustedSource: false`). */
const SANDBOX = '777777777777';
/** The demo world's attacker: an Amazon Linux look-alike AMI and a customer-data DB snapshot. */
const ATTACKER = '666666666666';

async function ask(rl: ReturnType<typeof createInterface>): Promise<Choice> {
  for (;;) {
    const a = (await rl.question('  [t]rust owner, [r]emove, [s]kip? ')).trim().toLowerCase();
    if (a === 't' || a === 'trust') return 'trust';
    if (a === 'r' || a === 'remove') return 'remove';
    if (a === 's' || a === 'skip' || a === '') return 'skip';
  }
}
