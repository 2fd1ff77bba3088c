import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cloudFormationTemplates } from '../../aws/templates.ts';
import { loadConfig } from '../../config/load.ts';
import { configPath, parse } from '../args.ts';
import { EXIT, UsageError } from '../usage.ts';

/**
 * `shareguard templates --out DIR [--format yaml|json] [--config FILE]`: the CloudFormation templates
 * for the member accounts (StackSet), the management account and shareguard's home account
 * (docs/deploy.md), from the same registries as `iam-policy`.
 */
export async function templatesCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, {
    out: { type: 'string', short: 'o' },
    format: { type: 'string' },
    config: { type: 'string', short: 'c' },
  });
  if (!values.out) throw new UsageError('templates: --out DIR is required (where the templates are written)');
  const format = values.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json')
    throw new UsageError(`--format: expected yaml or json, got "${format}"`);
  const file = configPath(values.config, env);
  const config = file ? await loadConfig({ file, env }) : undefined;
  await mkdir(values.out, { recursive: true });
  for (const [name, template] of Object.entries(cloudFormationTemplates(config))) {
    const path = join(values.out, `${name}.${format}`);
    // Long-form intrinsics (`Ref:`, `Fn::Sub:`) so YAML needs no custom tags; YAML 1.1 rules (as
    // CloudFormation reads) quote date-like strings such as 2010-09-09.
    const text =
      format === 'json'
        ? `${JSON.stringify(template, null, 2)}\n`
        : stringify(template, { lineWidth: 0, version: '1.1' });
    await writeFile(path, text);
    process.stdout.write(`${path}\n`);
  }
  return EXIT.ok;
}
