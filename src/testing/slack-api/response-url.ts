// response_urls served by the stand-in: each tied to where its interaction came from, so
// `replace_original`, `delete_original` and `in_channel` act on the right message; used at most
// five times within 30 minutes, like Slack's.
import { HttpError } from './http.ts';
import type { SlackState } from './state.ts';
import { ok, type Answer, type Args, type ResponseOrigin, type ResponseUrlUse } from './types.ts';

const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export class ResponseUrls {
  private readonly entries = new Map<string, { origin: ResponseOrigin; created: number; uses: number }>();
  private seq = 0;

  constructor(private readonly s: SlackState) {}

  /** Registers a response_url id (a fresh one when omitted). */
  create(id: string | undefined, origin: ResponseOrigin): string {
    const rid = id ?? `r${++this.seq}`;
    this.entries.set(rid, { origin, created: Date.now(), uses: 0 });
    return rid;
  }

  respond(id: string, payload: Args): Answer {
    const s = this.s;
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { origin: {}, created: Date.now(), uses: 0 };
      this.entries.set(id, entry);
    }
    if (Date.now() - entry.created > RESPONSE_URL_TTL_MS) throw new HttpError(404, 'expired_url');
    if (entry.uses >= RESPONSE_URL_MAX_USES) throw new HttpError(404, 'used_url');
    const c = s.content(payload, payload['delete_original'] !== true);
    if ('error' in c) return { ...c.error, status: 400 };
    entry.uses++;
    const { origin } = entry;
    let effect: ResponseUrlUse['effect'] = 'recorded';
    const original = origin.channel && origin.ts ? s.message(origin.channel, origin.ts) : undefined;
    const originalEphemeral = origin.ts ? s.ephemerals.find((e) => e.message_ts === origin.ts) : undefined;
    if (payload['delete_original'] === true) {
      if (original) {
        s.delete(original);
        effect = 'deleted';
      } else if (originalEphemeral) {
        s.ephemerals.splice(s.ephemerals.indexOf(originalEphemeral), 1);
        effect = 'deleted';
      }
    } else if (payload['replace_original'] === true) {
      if (original) {
        s.update(original, c);
        effect = 'replaced';
      } else if (originalEphemeral) {
        Object.assign(originalEphemeral, c);
        originalEphemeral.updates++;
        s.emit({ type: 'ephemeral', ephemeral: { ...originalEphemeral } });
        effect = 'replaced';
      }
    } else if (payload['response_type'] === 'in_channel' && origin.channel) {
      s.post(origin.channel, c);
      effect = 'posted';
    } else if (origin.channel) {
      s.postEphemeral(origin.channel, origin.user, c, 'response_url');
      effect = 'ephemeral';
    }
    const use: ResponseUrlUse = { id, payload, at: new Date().toISOString(), effect };
    s.responses.push(use);
    s.emit({ type: 'response', response: use });
    return ok({});
  }
}
