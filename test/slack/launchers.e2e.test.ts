/**
 * Issue 23 items 4 and 5 as a Slack user meets them (signed requests into the real Bolt app, the local
 * Slack stand-in, the simulator, dynalite): the finding says what would launch from the AMI next, the
 * Remove modal says what would fail to launch, and after Remove the outcome says what still runs and
 * "needs attention" instead of a green "Removed".
 */
import { describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { validateBlocks } from '../../src/slack/messages/limits.ts';
import { REASON_BLOCK } from '../../src/slack/messages/modals.ts';
import { A, AMI, R, SNAP, startBed, worldInUse } from '../helpers/ami-in-use.ts';
import type { World } from '../helpers/world.ts';

/** The AMI in use, and launched from next: three launch templates, one Auto Scaling group using one. */
function world(): World {
  const w = worldInUse();
  w.launchTemplates = [1, 2, 3].map((n) => ({
    id: `lt-000000000000000${n}`,
    account: A,
    region: R,
    name: `web-${n}`,
    versions: [{ number: 1, imageId: AMI }],
  }));
  w.autoScalingGroups = [
    {
      name: 'web-asg',
      account: A,
      region: R,
      launchTemplate: { id: 'lt-0000000000000001' },
      desiredCapacity: 2,
    },
  ];
  return w;
}

const textOf = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe('what Remove would break, and what still runs after it (Bolt, simulator, dynalite)', () => {
  it('warns in the finding and the Remove modal; the outcome says what still runs and needs attention', async () => {
    const e2e = await startBed(world(), { slack: { requireReason: true } });
    await e2e.command('');
    const id = findingId('ami', A, R, AMI);

    const before = await e2e.messageFor(id);
    expect(validateBlocks((before?.blocks ?? []) as never)).toEqual([]);
    const shown = textOf(before?.blocks);
    expect(shown).toContain('🚀 *launches from it:* 1 Auto Scaling group — `web-asg`');
    expect(shown).toContain('3 launch templates — `web-1` (latest v1, default v1)');
    expect(shown).toContain('1 Auto Scaling group launches from it');

    // The Remove modal is the confirmation: it says what would fail to launch and what keeps running.
    await e2e.click('remove', id, undefined, undefined, false);
    const modal = e2e.openModal('remove', id);
    expect(modal).toBeDefined();
    expect(textOf(modal!.view['blocks'])).toContain(
      '3 launch templates and 1 Auto Scaling group would fail to launch. 2 running instances keep running or existing; removing does not stop them.',
    );
    await e2e.submitView(modal!.id, { [REASON_BLOCK]: 'backdoored build' });

    expect((await e2e.server.ctx.deps.store.getFinding(id))?.state).toBe('removed');
    expect(e2e.sim.state.image(AMI)!.launchPermissions).toEqual([]);
    const after = await e2e.messageFor(id);
    expect(validateBlocks((after?.blocks ?? []) as never)).toEqual([]);
    const outcome = textOf(after?.blocks);
    expect(outcome).toContain(
      '2 instances still run from it: `i-00000000000000001`, `i-00000000000000002`; Remove stops new launches only.',
    );
    expect(outcome).toContain('⚠️ *Needs attention:*');
    // Not a green "done": the header and the outcome line say needs attention.
    expect(outcome).not.toContain('✅');
    expect(after?.text).toMatch(/⚠️ AMI .*\(removed, needs attention\)$/);

    // A snapshot nothing uses keeps its plain outcome.
    const snapId = findingId('ebs-snapshot', A, R, SNAP);
    await e2e.click('remove', snapId, undefined, undefined, { reason: 'not ours' });
    const snapMessage = await e2e.messageFor(snapId);
    expect(textOf(snapMessage?.blocks)).not.toContain('Needs attention');
    expect(snapMessage?.text).not.toContain('needs attention');
  });
});
