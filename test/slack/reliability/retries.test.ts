import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../../src/domain/finding.ts';
import { SLACK_RETRY } from '../../../src/slack/app.ts';
import { startE2E, type E2E } from '../../helpers/e2e.ts';
import { account, emptyWorld, image } from '../../helpers/world.ts';

const A = '111111111111';
const R = 'us-east-1';
const AMI = findingId('ami', A, R, 'ami-00000000000000001');

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

describe('Slack calls have bounded retries (issue 8 item 4)', () => {
  it('chat.update answering HTTP 500 is tried 1 + retries times, then given up; the decision stands', async () => {
    const w = emptyWorld([account(A, [R])]);
    w.images.push(image(1, R, '444444444444', [{ userId: A }]));
    e2e = await startE2E(w);
    await e2e.command('');
    const before = e2e.slack.callsOf('chat.update').length;
    for (let i = 0; i < 20; i++) e2e.slack.failNext('chat.update', 'internal_error', { status: 500 });
    await e2e.click('remove', AMI);
    // Two renders ("⏳ Removing…" on claim, then the outcome), each tried 1 + retries times.
    expect(e2e.slack.callsOf('chat.update').length - before).toBe(2 * (1 + SLACK_RETRY.retries!));
    expect((await e2e.server.ctx.deps.store.getFinding(AMI))?.state).toBe('removed');
  });
});
