import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMAND } from '../../src/slack/messages/commands.ts';

const ROOT = join(import.meta.dirname, '../..');
type Manifest = {
  features: { slash_commands: Array<Record<string, unknown>> };
  settings: {
    socket_mode_enabled: boolean;
    interactivity: Record<string, unknown>;
    event_subscriptions: Record<string, unknown>;
  };
};
const load = async (name: string) => parse(await readFile(join(ROOT, name), 'utf8')) as Manifest;

/** The HTTP manifest without what only HTTP mode has: the request URLs and the Socket Mode switch. */
function withoutHttpParts(m: Manifest): Manifest {
  const copy = structuredClone(m);
  for (const c of copy.features.slash_commands) delete c.url;
  delete copy.settings.interactivity.request_url;
  delete copy.settings.event_subscriptions.request_url;
  copy.settings.socket_mode_enabled = true;
  return copy;
}

describe('manifest.http.yml (HTTP mode)', () => {
  it('is manifest.yml plus request URLs for commands, interactivity and events, Socket Mode off', async () => {
    const [socket, http] = await Promise.all([load('manifest.yml'), load('manifest.http.yml')]);
    // Same commands, scopes, events, App Home, everything else.
    expect(withoutHttpParts(http)).toEqual(socket);
    expect(http.settings.socket_mode_enabled).toBe(false);
    const urls = [
      ...http.features.slash_commands.map((c) => c.url),
      http.settings.interactivity.request_url,
      http.settings.event_subscriptions.request_url, // App Home gets no events without it
    ];
    expect(urls).toHaveLength(socket.features.slash_commands.length + 2);
    for (const url of urls) expect(url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    expect(new Set(urls).size).toBe(1); // one endpoint: Bolt's /slack/events
  });

  it('manifest.yml has no request URL (Socket Mode needs none) and names what the app listens to', async () => {
    const socket = await load('manifest.yml');
    expect(socket.features.slash_commands.map((c) => c.command)).toEqual([COMMAND]);
    expect(socket.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(JSON.stringify(socket)).not.toContain('request_url');
    expect(socket.features.slash_commands.every((c) => !('url' in c))).toBe(true);
  });
});
