import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../../src/domain/finding.ts';
import { StoreError } from '../../../src/store/errors.ts';
import type { Store } from '../../../src/store/index.ts';
import { sendSigned, slackSignature, slashCommandForm } from '../../../src/testing/signed-request.ts';
import { ALICE, CAROL, CHANNEL, MALLORY, SECRET, TEAM, startE2E, type E2E } from '../../helpers/e2e.ts';
import { account, emptyWorld, image } from '../../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const AMI = findingId('ami', A, R, 'ami-00000000000000001');
const world = () => {
  const w = emptyWorld([account(A, [R])]);
  w.images.push(image(1, R, EVIL, [{ userId: A }], { name: 'backdoored' }));
  return w;
};

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

const lastResponse = () => JSON.stringify(e2e!.slack.responses.at(-1)?.payload ?? {});

/** A signed request with any body and content type (Slack's signature over the raw body). */
async function signedRaw(url: string, body: string, contentType: string) {
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': slackSignature(SECRET, ts, body),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** Makes one store method fail `times` times with what DynamoDB being unreachable looks like. */
function failStore<K extends keyof Store>(store: Store, method: K, times = 1): void {
  const original = (store[method] as (...a: unknown[]) => unknown).bind(store);
  let left = times;
  (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    if (left-- > 0)
      return Promise.reject(
        new StoreError(`DynamoDB ${String(method)} failed: TimeoutError: connect ECONNREFUSED`),
      );
    return original(...args);
  };
}

/** Every store method fails (DynamoDB unreachable) until the returned function is called. */
function storeDown(store: Store): () => void {
  const target = store as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>();
  let proto: object | null = Object.getPrototypeOf(store);
  const names = new Set<string>();
  while (proto && proto !== Object.prototype) {
    for (const n of Object.getOwnPropertyNames(proto)) if (n !== 'constructor' && n !== 'close') names.add(n);
    proto = Object.getPrototypeOf(proto);
  }
  for (const n of names) {
    if (typeof target[n] !== 'function') continue;
    saved.set(n, Object.hasOwn(target, n) ? target[n] : undefined);
    target[n] = () =>
      Promise.reject(new StoreError(`DynamoDB ${n} failed: TimeoutError: connect ECONNREFUSED`));
  }
  return () => {
    for (const [n, v] of saved) {
      if (v === undefined) delete target[n];
      else target[n] = v;
    }
  };
}

describe('input edge cases never crash the app (issue 8 item 10)', () => {
  it.each(['constructor=x', '__proto__=1', 'toString=1', 'scan hasOwnProperty=2'])(
    '`/shared-scan %s` is acked with a usage error',
    async (text) => {
      e2e = await startE2E(world());
      const res = await e2e.command(text);
      expect(res.status).toBe(200);
      // The word is quoted back (a leading "__" shown as full-width "＿＿", never a markup underscore).
      const word = text.replace(/^scan /, '').replace(/_/g, '＿');
      expect(JSON.parse(res.body)).toMatchObject({
        response_type: 'ephemeral',
        text: `⚠️ unknown word "${word}": expected help, status, trusted, post, untrust &lt;account&gt;, block &lt;account&gt; [reason], unblock &lt;account | resource&gt;, or filters account=, region=, kind=`,
      });
    },
  );

  it('a signed body of JSON null, or payload=null, is refused with 400 and the app keeps working', async () => {
    e2e = await startE2E(world());
    expect((await signedRaw(e2e.events, 'null', 'application/json')).status).toBe(400);
    expect((await signedRaw(e2e.events, 'payload=null', 'application/x-www-form-urlencoded')).status).toBe(
      400,
    );
    expect((await signedRaw(e2e.events, 'payload=%5B%5D', 'application/x-www-form-urlencoded')).status).toBe(
      400,
    );
    // Unsigned garbage still gets Bolt's 401.
    const forged = await fetch(e2e.events, {
      method: 'POST',
      body: 'null',
      headers: { 'content-type': 'application/json' },
    });
    expect(forged.status).toBe(401);
    const help = await e2e.command('help');
    expect(help.body).toMatch(/untrust/);
  });
});

describe('ack first, everywhere (issue 8 item 5)', () => {
  it('untrust by a non-approver is acked before the rate-limited user group lookup, then refused and logged', async () => {
    e2e = await startE2E(world());
    e2e.slack.failNext('usergroups.users.list', 'ratelimited', { status: 429, retryAfter: 2 });
    const res = await sendSigned(
      e2e.events,
      SECRET,
      slashCommandForm({
        text: `untrust ${EVIL}`,
        userId: MALLORY,
        channelId: CHANNEL,
        teamId: TEAM,
        responseUrl: e2e.slack.responseUrl(undefined, { channel: CHANNEL, user: MALLORY }),
      }),
    );
    expect(res).toEqual({ status: 200, body: '' });
    expect(e2e.slack.responses).toHaveLength(0); // the lookup is still waiting out its Retry-After
    await e2e.server.idle();
    expect(e2e.slack.callsOf('usergroups.users.list').length).toBe(2);
    expect(lastResponse()).toMatch(/not one of the configured approvers/);
    const log = await e2e.server.ctx.deps.store.listDecisions({
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(log).toContainEqual(
      expect.objectContaining({
        action: 'untrust',
        outcome: 'refused',
        by: expect.objectContaining({ userId: MALLORY }),
      }),
    );
  });
});

describe('the store down or failing: users get an answer (issue 8 item 3, listener half)', () => {
  it('/shared-scan status with a store read failing once', async () => {
    e2e = await startE2E(world());
    failStore(e2e.server.ctx.deps.store, 'listFindings');
    const res = await e2e.command('status');
    expect(res.status).toBe(200);
    expect(lastResponse()).toContain('the decision store is unavailable; nothing was changed, try again');
    await e2e.command('status');
    expect(lastResponse()).not.toContain('unavailable');
  });

  it('a Remove click with the store down answers through response_url; it works once the store is back', async () => {
    e2e = await startE2E(world());
    await e2e.command('');
    const store = e2e.server.ctx.deps.store;
    const restore = storeDown(store);
    await e2e.click('remove', AMI);
    expect(e2e.slack.responses.at(-1)?.effect).toBe('ephemeral');
    expect(lastResponse()).toContain('not recorded — the decision store is unavailable; try again');
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    const health = await fetch(`${e2e.server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, mode: 'http', store: 'unreachable' });
    restore();
    expect((await fetch(`${e2e.server.url}/healthz`)).status).toBe(200);
    await e2e.click('remove', AMI);
    expect((await store.getFinding(AMI))?.state).toBe('removed');
  });
});

describe('who may read (slack.readers, issue 8 item 6)', () => {
  const ask = (text: string, user: string, channel: string) =>
    sendSigned(
      e2e!.events,
      SECRET,
      slashCommandForm({
        text,
        userId: user,
        channelId: channel,
        teamId: TEAM,
        responseUrl: e2e!.slack.responseUrl(undefined, { channel, user }),
      }),
    ).then(async (r) => {
      await e2e!.server.idle();
      return r;
    });

  it('channel (default): anyone in the security channel, approvers anywhere, nobody else', async () => {
    e2e = await startE2E(world());
    await ask('status', MALLORY, 'D0MALLORY');
    expect(lastResponse()).toMatch(/answers in <#C0SECURITY> only/);
    await ask('trusted', MALLORY, 'C0RANDOM');
    expect(lastResponse()).toMatch(/answers in <#C0SECURITY> only/);
    await ask('', MALLORY, 'D0MALLORY');
    expect(lastResponse()).toMatch(/answers in <#C0SECURITY> only/);
    expect(e2e.slack.messages(CHANNEL)).toHaveLength(0); // no scan was started
    await ask('status', MALLORY, CHANNEL);
    expect(JSON.parse(lastResponse())).toMatchObject({ text: 'shareguard status: 0 open findings' });
    expect(lastResponse()).not.toMatch(/only/);
    await ask('status', CAROL, 'D0CAROL'); // an approver through the user group
    expect(lastResponse()).not.toMatch(/only/);
  });

  it('non-approvers may start a limited number of scans; approvers are not limited', async () => {
    e2e = await startE2E(world());
    await ask('', MALLORY, CHANNEL);
    await ask('', MALLORY, CHANNEL);
    const scansBefore = e2e.slack.callsOf('chat.postMessage').length;
    await ask('', MALLORY, CHANNEL);
    expect(lastResponse()).toMatch(
      /you have started 2 scans in the last 60 minutes.*try again in \d+ minute/,
    );
    expect(e2e.slack.callsOf('chat.postMessage').length).toBe(scansBefore);
    await ask('', ALICE, CHANNEL);
    // ALICE's scan runs: its own message (the findings were already posted by the first scan).
    expect(e2e.slack.callsOf('chat.postMessage').length).toBe(scansBefore + 1);
  });
});
