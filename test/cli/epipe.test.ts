import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { account, emptyWorld, image } from '../helpers/world.ts';
import { shareguard, STACK } from './spawn.ts';

describe('`shareguard scan | head` (issue 8 item 12)', () => {
  it.each([[[] as string[]], [['--json']]])(
    'a reader that goes away ends the output quietly %j',
    async (extra) => {
      const A = '111111111111';
      const w = emptyWorld([account(A, ['us-east-1'])]);
      for (let i = 1; i <= 3000; i++)
        w.images.push(image(i, 'us-east-1', '444444444444', [{ userId: A }], { name: `n-${i}` }));
      const dir = await mkdtemp(join(tmpdir(), 'sg-epipe-'));
      const file = join(dir, 'world.json');
      await writeFile(file, JSON.stringify(w));
      const sg = shareguard(['scan', '--world', file, ...extra]);
      // Like `head -1`: read the first chunk, then close the pipe.
      await new Promise<void>((resolve) => sg.child.stdout.once('data', () => resolve()));
      sg.child.stdout.destroy();
      const exit = await sg.exited;
      expect(exit.signal).toBeNull();
      expect(exit.code).toBe(1); // the scan's own answer: untrusted findings
      expect(exit.stderr).not.toMatch(/EPIPE|Unhandled|STACK/);
      expect(exit.stderr).not.toMatch(STACK);
    },
    60_000,
  );
});
