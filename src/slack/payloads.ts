import { z } from 'zod';
import { RESOURCE_KINDS } from '../domain/finding.ts';
import { ACCOUNT_ID_SOURCE, REGION_SOURCE } from '../domain/ids.ts';

/** A finding id as the app writes it into a button value: kind:account:region:resource. */
export const FINDING_ID = z
  .string()
  .max(2000)
  .regex(
    new RegExp(`^(${RESOURCE_KINDS.join('|')}):${ACCOUNT_ID_SOURCE}:${REGION_SOURCE}:[\\w:./-]{1,1500}$`),
    'expected a shareguard finding id',
  );

/** The parts of a block_actions payload shareguard relies on; anything else is ignored. */
export const blockActionPayload = z.object({
  type: z.literal('block_actions'),
  api_app_id: z.string().optional(),
  team: z.object({ id: z.string() }).nullable().optional(),
  user: z.object({
    id: z.string(),
    name: z.string().optional(),
    username: z.string().optional(),
    team_id: z.string().optional(),
  }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional() }).optional(),
  message: z.object({ ts: z.string() }).optional(),
  response_url: z.string().optional(),
  trigger_id: z.string().optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string(),
        value: z.string().optional(),
        type: z.string(),
        action_ts: z.string().optional(),
      }),
    )
    .min(1),
});

export const slashCommandPayload = z.object({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string(),
  user_name: z.string().optional(),
  team_id: z.string(),
  channel_id: z.string(),
  api_app_id: z.string().optional(),
  response_url: z.string().optional(),
  /** One per invocation: the same command delivered twice records one decision intent. */
  trigger_id: z.string().optional(),
});
export type SlashCommandPayload = z.infer<typeof slashCommandPayload>;
