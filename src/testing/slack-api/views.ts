/**
 * Modals and the Home tab in the local Slack stand-in: `views.open` (a valid, unused, unexpired
 * `trigger_id` required, as Slack does), `views.update`, `views.push`, `views.publish`, and the payload
 * a user's submission sends back to the app. Views are validated like Slack (docs/slack.md "Views"):
 * 100 blocks, title/submit/close ≤ 24 characters, callback_id ≤ 255, private_metadata ≤ 3000.
 */
import { randomBytes } from 'node:crypto';
import { viewProblems } from '../../slack/messages/limits.ts';

/** Slack: a trigger_id is good for 3 seconds and once. */
export const TRIGGER_TTL_MS = 3000;

export interface StoredView {
  id: string;
  /** Changes on every update; `views.update` with a stale `hash` answers `hash_conflict`. */
  hash: string;
  type: 'modal' | 'home';
  /** Who sees it: the trigger's user (modals, when known) or `user_id` (Home). */
  userId?: string;
  callbackId?: string;
  privateMetadata?: string;
  /** The view as the app sent it (blocks, title…). */
  view: Record<string, unknown>;
  /** Modals: the view this one was pushed on top of. */
  previousViewId?: string;
  updates: number;
}

type Args = Record<string, unknown>;
type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

export interface ViewsStandIn {
  methods: Record<string, (args: Args) => Answer>;
  /** A trigger_id as an interaction (button click, slash command) carries it; `userId` ties the modal to them. */
  issueTrigger(userId?: string): string;
  /** Every modal opened so far (updated in place), in opening order. */
  modals(): StoredView[];
  view(id: string): StoredView | undefined;
  /** The Home tab last published for a user. */
  home(userId: string): StoredView | undefined;
  /**
   * The `view` of a `view_submission` payload for an open modal, with what the user typed or picked
   * (block_id → text or option value), as Slack fills in `state.values`. Use with `viewSubmissionForm`.
   */
  submitted(viewId: string, input: Record<string, string | null>): Record<string, unknown>;
}

const ok = (body: Record<string, unknown>): Answer => ({ body: { ok: true, ...body } });
const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({
  body: { ok: false, error, ...extra },
});

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The WebClient sends `view` as a JSON string in a form field. */
function parseView(v: unknown): Record<string, unknown> | undefined {
  if (isObj(v)) return v;
  if (typeof v !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return isObj(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function viewsStandIn(
  opts: { teamId: string; appId: string; now?: () => number; homeEnabled?: boolean } = {
    teamId: 'T0LOCAL',
    appId: 'A0SHAREGUARD',
  },
): ViewsStandIn {
  const now = opts.now ?? Date.now;
  const triggers = new Map<string, { userId?: string; created: number; used: boolean }>();
  const views = new Map<string, StoredView>();
  const homes = new Map<string, string>(); // user → view id
  let seq = 0;
  const newHash = () => `${Math.floor(now() / 1000)}.${randomBytes(4).toString('hex')}`;

  /** Parses and validates the `view` argument; an error answer, or the view. */
  const checked = (args: Args, type?: 'modal' | 'home'): Answer | Record<string, unknown> => {
    const view = parseView(args['view']);
    if (!view)
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] view is missing'] } });
    if (type && view['type'] !== type)
      return fail('invalid_arguments', {
        response_metadata: { messages: [`[ERROR] view type must be ${type} [json-pointer:/view/type]`] },
      });
    const problems = viewProblems(view);
    if (problems.length)
      return fail('invalid_arguments', {
        response_metadata: {
          messages: problems.map((p) => `[ERROR] ${p.message} [json-pointer:${p.pointer}]`),
        },
      });
    return view;
  };
  const isAnswer = (v: Answer | Record<string, unknown>): v is Answer =>
    isObj((v as Answer).body) && typeof (v as Answer).body['ok'] === 'boolean';

  const store = (view: Record<string, unknown>, extra: Partial<StoredView>): StoredView => {
    const v: StoredView = {
      id: `V${String(++seq).padStart(8, '0')}`,
      hash: newHash(),
      type: view['type'] as 'modal' | 'home',
      view,
      updates: 0,
      ...(typeof view['callback_id'] === 'string' ? { callbackId: view['callback_id'] } : {}),
      ...(typeof view['private_metadata'] === 'string' ? { privateMetadata: view['private_metadata'] } : {}),
      ...extra,
    };
    views.set(v.id, v);
    return v;
  };
  const wire = (v: StoredView) => ({
    ...v.view,
    id: v.id,
    hash: v.hash,
    team_id: opts.teamId,
    app_id: opts.appId,
    ...(v.previousViewId ? { previous_view_id: v.previousViewId } : {}),
  });

  const useTrigger = (args: Args): Answer | { userId?: string } => {
    const id = typeof args['trigger_id'] === 'string' ? args['trigger_id'] : '';
    const t = triggers.get(id);
    if (!t) return fail('invalid_trigger_id');
    if (t.used) return fail('exchanged_trigger_id');
    if (now() - t.created > TRIGGER_TTL_MS) return fail('expired_trigger_id');
    t.used = true;
    return t.userId ? { userId: t.userId } : {};
  };

  const methods: Record<string, (args: Args) => Answer> = {
    'views.open': (args) => {
      const view = checked(args, 'modal');
      if (isAnswer(view)) return view;
      const trigger = useTrigger(args);
      if ('body' in trigger) return trigger;
      return ok({ view: wire(store(view, trigger.userId ? { userId: trigger.userId } : {})) });
    },
    'views.push': (args) => {
      const view = checked(args, 'modal');
      if (isAnswer(view)) return view;
      const trigger = useTrigger(args);
      if ('body' in trigger) return trigger;
      const under = [...views.values()].filter((v) => v.type === 'modal').at(-1);
      return ok({
        view: wire(
          store(view, {
            ...(trigger.userId ? { userId: trigger.userId } : {}),
            ...(under ? { previousViewId: under.id } : {}),
          }),
        ),
      });
    },
    'views.update': (args) => {
      const id = typeof args['view_id'] === 'string' ? args['view_id'] : undefined;
      const external = typeof args['external_id'] === 'string' ? args['external_id'] : undefined;
      if (!id && !external) return fail('invalid_arguments');
      const existing = id
        ? views.get(id)
        : [...views.values()].find((v) => v.view['external_id'] === external);
      if (!existing) return fail('not_found');
      if (typeof args['hash'] === 'string' && args['hash'] !== existing.hash) return fail('hash_conflict');
      const view = checked(args, existing.type);
      if (isAnswer(view)) return view;
      existing.view = view;
      existing.hash = newHash();
      existing.updates++;
      if (typeof view['callback_id'] === 'string') existing.callbackId = view['callback_id'];
      if (typeof view['private_metadata'] === 'string') existing.privateMetadata = view['private_metadata'];
      return ok({ view: wire(existing) });
    },
    'views.publish': (args) => {
      if (opts.homeEnabled === false) return fail('not_enabled');
      const userId = typeof args['user_id'] === 'string' ? args['user_id'] : '';
      if (!/^[UW][A-Z0-9]{2,}$/.test(userId)) return fail('user_not_found');
      const view = checked(args, 'home');
      if (isAnswer(view)) return view;
      const current = homes.get(userId);
      const existing = current ? views.get(current) : undefined;
      if (existing && typeof args['hash'] === 'string' && args['hash'] !== existing.hash)
        return fail('hash_conflict');
      if (existing) {
        existing.view = view;
        existing.hash = newHash();
        existing.updates++;
        return ok({ view: wire(existing) });
      }
      const stored = store(view, { userId });
      homes.set(userId, stored.id);
      return ok({ view: wire(stored) });
    },
  };

  return {
    methods,
    issueTrigger(userId) {
      const id = `${++seq}.${Math.floor(now())}.${randomBytes(8).toString('hex')}`;
      triggers.set(id, { ...(userId ? { userId } : {}), created: now(), used: false });
      return id;
    },
    modals: () => [...views.values()].filter((v) => v.type === 'modal'),
    submitted(viewId, input) {
      const v = views.get(viewId);
      if (!v || v.type !== 'modal') throw new Error(`submitted: no open modal ${viewId}`);
      return { ...wire(v), state: { values: stateValuesFor(v, input) } };
    },
    view: (id) => views.get(id),
    home: (userId) => {
      const id = homes.get(userId);
      return id ? views.get(id) : undefined;
    },
  };
}

/** `view.state.values` as a submission carries it: block_id → action_id → typed value. */
export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;
export type ViewStateValue =
  | { type: 'plain_text_input'; value: string | null }
  | { type: 'static_select' | 'radio_buttons'; selected_option: { text: unknown; value: string } | null };

/**
 * What a user typed or picked, by `block_id` → value (a text, or the chosen option's value): the
 * stand-in finds each input's action_id and option text from the stored view, as Slack fills them in.
 */
export function stateValuesFor(view: StoredView, input: Record<string, string | null>): ViewStateValues {
  const out: ViewStateValues = {};
  const blocks = Array.isArray(view.view['blocks']) ? view.view['blocks'] : [];
  for (const b of blocks) {
    if (!isObj(b) || b['type'] !== 'input' || typeof b['block_id'] !== 'string') continue;
    const el = b['element'];
    if (!isObj(el) || typeof el['action_id'] !== 'string') continue;
    const given = Object.prototype.hasOwnProperty.call(input, b['block_id'])
      ? input[b['block_id']]
      : undefined;
    const type = el['type'];
    if (type === 'plain_text_input') {
      out[b['block_id']] = { [el['action_id']]: { type, value: given ?? null } };
    } else if (type === 'static_select' || type === 'radio_buttons') {
      const options = Array.isArray(el['options']) ? el['options'].filter(isObj) : [];
      const initial = isObj(el['initial_option']) ? el['initial_option'] : undefined;
      const pick = given === undefined ? initial : options.find((o) => o['value'] === given);
      if (given !== undefined && given !== null && !pick)
        throw new Error(`stateValuesFor: ${given} is not an option of ${b['block_id']}`);
      out[b['block_id']] = {
        [el['action_id']]: {
          type,
          selected_option: pick ? { text: pick['text'], value: String(pick['value']) } : null,
        },
      };
    }
  }
  return out;
}
