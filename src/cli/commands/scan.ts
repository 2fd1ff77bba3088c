import type { AwsSettings } from '../../aws/clients.ts';
import type { Config } from '../../config/schema.ts';
import {
  accountSet,
  awsSettingsFromConfig,
  scanRequestFromConfig,
  type AccountSet,
} from '../../scan/from-config.ts';
import { formatScanReport, scanExitCode, writeChunk, writeScanJson } from '../../scan/report.ts';
import { scan } from '../../scan/scan.ts';
import { filterMinRisk, rankScan } from '../../scan/rank.ts';
import { failOnExitCode } from '../../scan/risk-report.ts';
import { commaList, overridesFrom, parse, riskFlag, SCAN_OPTIONS } from '../args.ts';
import { loadRuntime } from '../runtime.ts';
import { EXIT } from '../usage.ts';
import { scanConcurrency } from '../../scan/adaptive.ts';

/** `shareguard scan`: one scan, the report (table or --json) on stdout, the exit code says what it found. */
export async function scanCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, SCAN_OPTIONS);
  const minRisk = riskFlag('min-risk', values['min-risk']);
  const failOn = riskFlag('fail-on', values['fail-on']);
  const runtime = await loadRuntime(values, overridesFrom(values), env);
  try {
    const showProgress = !values.json && process.stderr.isTTY;
    // Settings, not clients: a scan in worker threads never loads the SDK clients in this thread
    // (test/scan/calling-thread-sdk.test.ts). Nothing this module imports statically may load them.
    const settings = awsSettingsFromConfig(runtime.config, runtime.credentials);
    let set: AccountSet;
    try {
      set = await accountsToScan(runtime.config, settings, commaList(values.accounts));
    } catch (err) {
      // Discovery failed: nothing was scanned, and the scan says so (never an empty, green scan).
      if ((err as Error).name !== 'OrganizationDiscoveryError') throw err;
      process.stderr.write(`shareguard: scan failed: ${(err as Error).message}\n`);
      return EXIT.partial;
    }
    const scanned = await scan(scanRequestFromConfig(runtime.config, set), {
      settings,
      concurrency: scanConcurrency(runtime.config.aws),
      ...(showProgress
        ? { onProgress: (p) => process.stderr.write(`\rScanning ${p.done}/${p.total} account-regions…`) }
        : {}),
    });
    if (showProgress) process.stderr.write('\r\x1b[K');
    // A CLI scan keeps no history: it cannot say which accounts are new (serve compares with the store).
    if (set.organization)
      scanned.summary.organization = {
        accounts: set.organization.discovered,
        skipped: set.organization.skipped,
        excluded: set.organization.excluded,
      };
    // Most risky first everywhere; a CLI scan has no history, so no "owner never seen before".
    rankScan(scanned, runtime.config, { now: new Date().toISOString() });
    const result = minRisk ? filterMinRisk(scanned, minRisk) : scanned;
    await writeOutput(() =>
      values.json
        ? writeScanJson(result, process.stdout)
        : writeChunk(process.stdout, `${formatScanReport(result)}\n`),
    );
    return failOn ? failOnExitCode(result, failOn) : scanExitCode(result);
  } finally {
    await runtime.stop();
  }
}

/**
 * The accounts to scan. With `organization`, discovered now, with clients made only for it (loaded lazily:
 * a scan in worker threads never loads the SDK clients in this thread otherwise); `--accounts` then narrows
 * the discovered set.
 */
async function accountsToScan(
  config: Config,
  settings: AwsSettings,
  only: string[] | undefined,
): Promise<AccountSet> {
  if (!config.organization) return accountSet(config);
  const [{ resolveAccountSet }, { AwsClients }] = await Promise.all([
    import('../../scan/account-set.ts'),
    import('../../aws/clients.ts'),
  ]);
  const clients = new AwsClients(settings);
  try {
    const set = await resolveAccountSet(config, clients);
    return only ? { ...set, accounts: set.accounts.filter((a) => only.includes(a.id)) } : set;
  } finally {
    clients.destroy();
  }
}

/**
 * Writes to stdout, tolerating a reader that went away (`scan | head`): EPIPE ends the output
 * quietly instead of crashing with a stack trace; the exit code still reports the scan.
 */
async function writeOutput(write: () => Promise<void>): Promise<void> {
  const isEpipe = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
  const onError = (err: Error) => {
    if (!isEpipe(err)) throw err;
  };
  process.stdout.on('error', onError);
  try {
    await write();
  } catch (err) {
    if (!isEpipe(err)) throw err;
  }
}
