// The lint rule that keeps src/testing/ (simulator, local Slack stand-in, signed requests) out of
// the product's static import graph: eslint.config.js, `no-restricted-imports`.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The probes are not files on disk, so the type-aware rules (which need the project's type checker)
// are switched off for them; the import rule under test needs no types.
const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
    },
  },
});

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const STATIC = "import { start } from '../testing/sim/index.ts';\nexport const s = start;\n";

describe('src/testing/ is not importable from product code', () => {
  it('rejects a static import from a product module, naming the lazy alternative', async () => {
    const messages = await restricted('src/scan/probe.ts', STATIC);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('await import()');
  });

  it('rejects type-only and deep imports too (src/slack/ reaching the Slack stand-in)', async () => {
    const code =
      "import type { LocalSlackApi } from '../testing/slack-api/server.ts';\n" +
      "import { sendSigned } from '../testing/signed-request.ts';\n" +
      'export type L = LocalSlackApi;\nexport const s = sendSigned;\n';
    expect(await restricted('src/slack/probe.ts', code)).toHaveLength(2);
    expect(
      await restricted(
        'src/probe.ts',
        "import { start } from './testing/sim/index.ts';\nexport const s = start;\n",
      ),
    ).toHaveLength(1);
  });

  it('allows the lazy dynamic import the CLI uses for --world', async () => {
    const code = "export async function load() {\n  return import('./testing/sim/index.ts');\n}\n";
    expect(await restricted('src/probe.ts', code)).toEqual([]);
  });

  it('allows the demo, the test infrastructure itself, tests and benchmarks', async () => {
    expect(await restricted('src/demo/probe.ts', STATIC)).toEqual([]);
    expect(
      await restricted(
        'src/testing/probe.ts',
        "import { start } from './sim/index.ts';\nexport const s = start;\n",
      ),
    ).toEqual([]);
    expect(
      await restricted(
        'test/probe.test.ts',
        "import { start } from '../src/testing/sim/index.ts';\nexport const s = start;\n",
      ),
    ).toEqual([]);
    expect(
      await restricted(
        'bench/probe.ts',
        "import { start } from '../src/testing/sim/index.ts';\nexport const s = start;\n",
      ),
    ).toEqual([]);
  });
});
