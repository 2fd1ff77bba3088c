import type { Actor } from '../../../domain/lifecycle.ts';
import type { Logger } from '../../../log.ts';
import { blockActionPayload } from '../../payloads.ts';

type BlockActionPayload = ReturnType<typeof blockActionPayload.parse>;

/** Who clicked a button and where: the validated payload, its channel and the actor for the decision log. */
export interface Click {
  p: BlockActionPayload;
  channel: string | undefined;
  userId: string;
  actor: Actor;
}

/** Validates a block action (after the ack); a malformed one is logged and answers undefined. */
export function parseClick(body: unknown, log: Logger): Click | undefined {
  const payload = blockActionPayload.safeParse(body);
  if (!payload.success) {
    log.warn({ issues: payload.error.issues.length }, 'malformed action payload ignored');
    return undefined;
  }
  const p = payload.data;
  const userId = p.user.id;
  const name = p.user.username ?? p.user.name;
  return {
    p,
    channel: p.channel?.id ?? p.container?.channel_id,
    userId,
    actor: {
      userId,
      ...(name ? { userName: name } : {}),
      ...(p.team?.id ? { teamId: p.team.id } : {}),
    },
  };
}
