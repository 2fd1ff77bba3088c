import { REASON_BLOCK } from '../../src/slack/messages/modals.ts';
/**
 * The blast radius as a Slack user meets it (issue 9), end to end: signed requests into the real Bolt
 * app, the local Slack stand-in, the simulator and dynalite. Remove on a finding in use warns that
 * removing stops nothing that already runs; a later scan that finds new use of a resource already
 * decided on posts an alert to the channel.
 */
import { describe, expect, it } from 'vitest';
import { CreateVolumeCommand } from '@aws-sdk/client-ec2';
import { findingId } from '../../src/domain/finding.ts';
import { ACTIONS } from '../../src/slack/messages/finding.ts';
import { A, AMI, R, SNAP, startBed, worldInUse } from '../helpers/ami-in-use.ts';
import { CHANNEL } from '../helpers/e2e.ts';

interface ConfirmDialog {
  title: { text: string };
  text: { text: string };
}

/** The confirm dialog Slack shows before sending the click of the button with this action id. */
function confirmOf(blocks: unknown[] | undefined, actionId: string): ConfirmDialog | undefined {
  const walk = (x: unknown): ConfirmDialog | undefined => {
    if (Array.isArray(x)) {
      for (const y of x) {
        const found = walk(y);
        if (found) return found;
      }
      return undefined;
    }
    if (!x || typeof x !== 'object') return undefined;
    const o = x as Record<string, unknown>;
    if (o['action_id'] === actionId && o['confirm']) return o['confirm'] as ConfirmDialog;
    return walk(Object.values(o));
  };
  return walk(blocks ?? []);
}

describe('the blast radius in Slack (Bolt over signed HTTP, simulator, dynalite)', () => {
  it('Remove on an AMI that instances run from warns, before anything happens, that removing does not stop them', async () => {
    const e2e = await startBed(worldInUse(), { slack: { requireReason: true } });
    await e2e.command('');
    const id = findingId('ami', A, R, AMI);
    const m = await e2e.messageFor(id);
    expect(JSON.stringify(m?.blocks)).toContain('2 running instances');

    // The reason modal is the confirmation (issue 23): no Slack confirm dialog before it…
    expect(confirmOf(m?.blocks, ACTIONS.remove)).toBeUndefined();
    // …and it warns, before anything happens, that removing does not stop what runs from it.
    await e2e.click('remove', id, undefined, undefined, false);
    const modal = e2e.openModal('remove', id)!;
    expect(JSON.stringify(modal.view)).toMatch(
      /2 running instances keep running or existing; removing does not stop them\./,
    );
    expect(JSON.stringify(modal.view)).toMatch(/What happens, in order/);

    // The user gives a reason: the share is removed, the instances still run.
    await e2e.submitView(modal.id, { [REASON_BLOCK]: 'backdoored build' });
    expect(e2e.sim.state.image(AMI)!.launchPermissions).toEqual([]);
    expect((await e2e.server.ctx.deps.store.getFinding(id))?.state).toBe('removed');
    expect(e2e.sim.calls({ action: 'TerminateInstances' })).toBe(0);

    // A snapshot nothing uses carries no warning in its modal.
    const snap = findingId('ebs-snapshot', A, R, SNAP);
    await e2e.click('remove', snap, undefined, undefined, false);
    expect(JSON.stringify(e2e.openModal('remove', snap)!.view)).not.toMatch(/does not stop/);
  });

  it('a later scan that finds a new volume from a snapshot already decided on posts an alert to the channel', async () => {
    const e2e = await startBed(worldInUse());
    await e2e.command('');
    const id = findingId('ebs-snapshot', A, R, SNAP);
    // Only the owner can unshare a snapshot: Remove records the decision, the share stays.
    await e2e.click('remove', id);
    const decided = await e2e.server.ctx.deps.store.getFinding(id);
    expect(decided?.state).not.toBe('open');

    const alerts = () =>
      e2e.slack.messages(CHANNEL).filter((msg) => (msg.text ?? '').startsWith('🚨 New use of'));
    await e2e.command('');
    expect(alerts()).toEqual([]);

    // Somebody in the account creates a volume from it anyway (through the role shareguard uses there).
    const volume = await e2e.server.ctx.deps.clients
      .ec2({ id: A, role: { name: 'ShareGuardScanner' } }, R)
      .send(new CreateVolumeCommand({ SnapshotId: SNAP, AvailabilityZone: `${R}a` }));

    await e2e.command('');
    expect(alerts()).toHaveLength(1);
    const alert = JSON.stringify(alerts()[0]!.blocks);
    expect(alerts()[0]!.text).toContain(SNAP);
    expect(alert).toContain(volume.VolumeId!);
    expect(alert).toContain(`State: *${decided!.state}*`);
    // The finding's own message now shows the use too.
    expect(JSON.stringify((await e2e.messageFor(id))?.blocks)).toContain('1 volume');

    // Nothing new since: the next scan alerts no more.
    await e2e.command('');
    expect(alerts()).toHaveLength(1);
  });
});
