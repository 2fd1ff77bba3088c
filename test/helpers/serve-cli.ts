/**
 * `shareguard serve` as a child process, configured by flags, for the CLI tests (test/cli): the flags
 * they all start from, the HTTP-mode environment against a Slack stand-in, the ready line, a signed
 * `/shared-scan`, and SIGTERM / SIGKILL that wait for the exit. Every process is SIGKILLed when its test
 * ends, so a failing test leaves none behind (call `spawnServe` inside a test, not in a hook).
 */
import { onTestFinished } from 'vitest';
import { sendSigned, slashCommandForm } from '../../src/testing/signed-request.ts';
import { DEMO_WORLD, shareguard, type Exit } from '../cli/spawn.ts';

export const CHANNEL = 'C0SEC';
export const APPROVER = 'U0ALICE';
export const TEAM = 'T0LOCAL';
export const SIGNING_SECRET = 'secret';
const READY = /"shareguard is ready"/;

/** The settings serve is given on its command line; unset ones are the defaults noted. */
export interface ServeFlags {
  /** Default: the demo organization. */
  world?: string;
  trust?: string[];
  /** Default CHANNEL. */
  channel?: string;
  /** Default [APPROVER]. */
  approvers?: string[];
  /** Default memory. */
  store?: 'memory' | 'embedded' | 'dynamodb';
}

function serveArgs(flags: ServeFlags): string[] {
  return [
    'serve',
    '--world',
    flags.world ?? DEMO_WORLD,
    ...(flags.trust ? ['--trust', flags.trust.join(',')] : []),
    '--channel',
    flags.channel ?? CHANNEL,
    '--approvers',
    (flags.approvers ?? [APPROVER]).join(','),
    '--store',
    flags.store ?? 'memory',
    // Scans only when a test asks for one.
    '--no-schedule',
  ];
}

/** Serve in HTTP mode against the Slack stand-in at `slackApiUrl` on a free port; `over` wins. */
export function httpEnv(slackApiUrl: string, over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    SLACK_BOT_TOKEN: 'xoxb-good',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_APP_TOKEN: '', // HTTP mode, whatever the test runner's environment says
    SLACK_API_URL: slackApiUrl,
    PORT: '0',
    ...over,
  };
}

export interface ServeProcess {
  /** Resolves when the process is gone (also after stop() or kill()). */
  exited: Promise<Exit>;
  stderr(): string;
  /** The first stderr line matching `re`; rejects if the process exits before it. */
  waitFor(re: RegExp): Promise<string>;
  /** The base URL named by the ready line, once it is logged; rejects if serve exits first. */
  ready(): Promise<string>;
  /** A signed `/shared-scan <text>` from the first approver in the channel; the HTTP answer. */
  command(text: string, responseUrl: string): Promise<{ status: number; body: string }>;
  /** SIGTERM (serve drains and shuts down) and wait for the exit. */
  stop(): Promise<Exit>;
  /** SIGKILL (nothing gets to finish) and wait for the exit. */
  kill(): Promise<Exit>;
}

/** Starts `shareguard serve` with these flags and exactly this environment (see httpEnv). */
export function spawnServe(options: { flags?: ServeFlags; env: NodeJS.ProcessEnv }): ServeProcess {
  const flags = options.flags ?? {};
  const p = shareguard(serveArgs(flags), options.env);
  const signal = (s: NodeJS.Signals) => {
    p.child.kill(s);
    return p.exited;
  };
  onTestFinished(async () => {
    await signal('SIGKILL');
  });
  let url: Promise<string> | undefined;
  const ready = () => (url ??= p.waitFor(READY).then((line) => (JSON.parse(line) as { url: string }).url));
  return {
    exited: p.exited,
    stderr: p.stderr,
    waitFor: p.waitFor,
    ready,
    async command(text, responseUrl) {
      return sendSigned(
        `${await ready()}/slack/events`,
        options.env.SLACK_SIGNING_SECRET ?? SIGNING_SECRET,
        slashCommandForm({
          text,
          userId: (flags.approvers ?? [APPROVER])[0]!,
          channelId: flags.channel ?? CHANNEL,
          teamId: TEAM,
          responseUrl,
        }),
      );
    },
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}
