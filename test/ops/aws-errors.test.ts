import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import { scan } from '../../src/scan/scan.ts';
import { clientsFor, monitored, startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld } from '../helpers/world.ts';

const HOME = '000000000000';
const DENIED = ['555555555555', '555555555556', '555555555557'];
const OK = ['111111111111', '222222222222'];

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/**
 * `shareguard_aws_errors_total` (issue 22 item 5) counts the AWS calls that failed after their retries,
 * by service and code, wherever the scan ran: the calling thread's clients see their own calls and
 * those of the worker threads (forwarded through src/scan/worker-pool.ts).
 */
describe('AWS errors reach the serving thread (the metrics observer)', () => {
  for (const workers of [1, 2])
    it(`one per refused AssumeRole, scanning in ${workers} thread(s)`, async () => {
      sim = await startSim(
        emptyWorld(
          [
            account(HOME, ['us-east-1']),
            ...OK.map((id) => account(id, ['us-east-1'])),
            ...DENIED.map((id) => account(id, ['us-east-1'], { assumeRole: 'deny' })),
          ],
          HOME,
        ),
      );
      const errors: string[] = [];
      const clients = new AwsClients(clientsFor(sim).settings, (service, code) =>
        errors.push(`${service} ${code}`),
      );
      const ids = [HOME, ...OK, ...DENIED];
      try {
        const result = await scan(
          {
            accounts: monitored(ids, HOME),
            regions: ['us-east-1'],
            kinds: ['ami'],
            trust: makeTrustPolicy({ trusted: [], trustMonitoredAccounts: true, monitoredAccountIds: ids }),
          },
          { clients, concurrency: 4, workers },
        );
        expect(result.summary.targetsFailed).toBe(3);
      } finally {
        clients.destroy();
      }
      expect(errors).toEqual(DENIED.map(() => 'sts AccessDenied'));
    });
});
