/**
 * D4 (issue 21): Slack being down never delays decisions. With `chat.update` hanging in the Slack
 * stand-in, every acknowledged Remove reaches AWS (the simulator's call counts) while the hang is
 * still in place; the messages catch up once Slack answers again. No wall-clock threshold: the check is
 * "before the release", and it fails if the decision runner waits for its Slack observer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { buttonClickForm, sendSigned } from '../../src/testing/signed-request.ts';
import { ALICE, CHANNEL, SECRET, TEAM, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image } from '../helpers/world.ts';

const A = '111111111111';
const R = 'us-east-1';
const N = 8;
const owner = (n: number) => `4${String(n).padStart(11, '0')}`;
const ami = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);

let e2e: E2E | undefined;
let release: (() => void) | undefined;
afterEach(async () => {
  release?.(); // a held call would keep the server's shutdown waiting
  await e2e?.stop();
  e2e = undefined;
});

describe('a Slack outage does not delay decisions (D4)', () => {
  it(`with chat.update hanging, ${N} acknowledged Removes all reach AWS before Slack answers again`, async () => {
    const w = emptyWorld([account(A, [R])]);
    for (let i = 1; i <= N; i++) w.images.push(image(i, R, owner(i), [{ userId: A }]));
    const e = (e2e = await startE2E(w));
    await e.command('');
    const ts = (id: string) =>
      e.slack.messages(CHANNEL).find((m) => JSON.stringify(m.blocks ?? []).includes(id))?.ts;
    const ids = Array.from({ length: N }, (_, i) => ami(i + 1));
    expect(ids.every((id) => ts(id))).toBe(true);

    const hang = e.slack.hang('chat.update');
    release = hang.release;
    const acks = await Promise.all(
      ids.map((id) =>
        sendSigned(
          e.events,
          SECRET,
          buttonClickForm({
            actionId: 'shareguard.remove',
            value: id,
            userId: ALICE,
            teamId: TEAM,
            channelId: CHANNEL,
            messageTs: ts(id)!,
            responseUrl: e.slack.responseUrl(undefined, { channel: CHANNEL, ts: ts(id)!, user: ALICE }),
          }),
        ),
      ),
    );
    expect(acks.map((a) => a.status)).toEqual(ids.map(() => 200));

    // Every removal reaches AWS while chat.update is still hanging (the renders are stuck in it).
    await vi.waitFor(() => expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(N), {
      timeout: 30_000,
      interval: 50,
    });
    expect(hang.waiting()).toBeGreaterThan(0);
    for (const id of ids) expect((await e.server.ctx.deps.store.getFinding(id))?.state).toBe('removed');

    // Slack answers again: the messages catch up from the store (nothing offers Remove any more).
    hang.release();
    await e.server.idle();
    await e.server.reconcile();
    for (const id of ids)
      expect(JSON.stringify((await e.messageFor(id))?.blocks)).not.toContain('shareguard.remove');
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(N);
  }, 60_000);
});
