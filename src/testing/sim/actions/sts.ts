// STS actions (awsQuery protocol). STS is global: requests are not checked against the
// account's regions.
import { randomBytes } from 'node:crypto';
import { SimError } from '../protocol/errors.ts';
import { el, isoTime, wrap } from '../protocol/xml.ts';
import { optionalInt, required, type ActionDef, type Category, type Ctx } from './common.ts';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKey(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = out.length; i < length; i++) out += KEY_ALPHABET[bytes[i]! % KEY_ALPHABET.length];
  return out;
}

function validation(message: string): SimError {
  return new SimError('ValidationError', message);
}

/** The caller's ARN, as IAM would name it (base key: an IAM user of the home account). */
export function callerArn(ctx: Ctx): string {
  if (ctx.session) {
    return `arn:aws:sts::${ctx.session.account}:assumed-role/${ctx.session.roleName}/${ctx.session.sessionName}`;
  }
  return `arn:aws:iam::${ctx.account.id}:user/shareguard-sim`;
}

function assumeRole(ctx: Ctx): string {
  const p = ctx.params;
  const roleArn = required(p, 'RoleArn', 'query');
  const sessionName = required(p, 'RoleSessionName', 'query');
  const m = ROLE_ARN.exec(roleArn);
  if (!m) throw validation(`${roleArn} is invalid`);
  if (!SESSION_NAME.test(sessionName)) {
    throw validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const duration = optionalInt(p, 'DurationSeconds') ?? 3600;
  if (duration < 900 || duration > 43200) {
    throw validation(
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  const target = m[1]!;
  const roleName = m[3]!;
  const acct = ctx.state.accountRec(target);
  if (!acct || acct.assumeRole === 'deny') {
    throw new SimError(
      'AccessDenied',
      `User: ${callerArn(ctx)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  }
  const accessKeyId = randomKey('ASIA', 20);
  const expiresMs = ctx.now + duration * 1000;
  ctx.state.sessions.set(accessKeyId, {
    accessKeyId,
    account: target,
    roleArn,
    roleName,
    sessionName,
    expiresMs,
  });
  const roleId = randomKey('AROA', 21);
  return (
    wrap(
      'Credentials',
      el('AccessKeyId', accessKeyId) +
        el('SecretAccessKey', randomBytes(30).toString('base64')) +
        el('SessionToken', randomBytes(96).toString('base64')) +
        el('Expiration', isoTime(expiresMs)),
    ) +
    wrap(
      'AssumedRoleUser',
      el('AssumedRoleId', `${roleId}:${sessionName}`) +
        el('Arn', `arn:aws:sts::${target}:assumed-role/${roleName}/${sessionName}`),
    )
  );
}

function getCallerIdentity(ctx: Ctx): string {
  const userId = ctx.session ? `AROASIMULATEDROLE0001:${ctx.session.sessionName}` : ctx.baseAccessKeyId;
  return el('UserId', userId) + el('Account', ctx.account.id) + el('Arn', callerArn(ctx));
}

// STS is not throttled by the simulator; the category is unused.
const none = (): Category => 'describe';

export const STS_ACTIONS: Record<string, ActionDef> = {
  AssumeRole: { run: assumeRole, category: none },
  GetCallerIdentity: { run: getCallerIdentity, category: none },
};
