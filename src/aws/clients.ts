import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RDSClient } from '@aws-sdk/client-rds';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  FinalizeRequestHandlerOptions,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  InitializeMiddleware,
  Pluggable,
  RelativeMiddlewareOptions,
} from '@smithy/types';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { partitionOf } from '../domain/ids.ts';
import { roleArn, type MonitoredAccount } from './account.ts';
import { Pacer, categoryOf } from './pace.ts';

export interface AwsSettings {
  /** Endpoint override for every service (the simulator). */
  endpoint?: string;
  homeRegion: string;
  maxAttempts: number;
  paceScale: number;
  roleSessionName: string;
  /** Sockets kept open: at least the scan's concurrency. */
  maxSockets: number;
  /** Home credentials; the SDK's default provider chain when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Threads a scan uses (`aws.workers`): 1 = this thread only; unset = `scanThreads`'s default. */
  workers?: number;
}

/**
 * The regional AWS services a resource kind may need, and their SDK client classes (a kind names its
 * service, `src/aws/kinds/kind.ts`; `AwsClients.for(service, …)` makes the client). Adding a kind of a
 * new service adds its client class here.
 */
const SERVICE_CLIENTS = {
  ec2: EC2Client,
  rds: RDSClient,
  // The blast radius of AMIs and snapshots (src/aws/usage/launchers.ts, issue 23).
  autoscaling: AutoScalingClient,
  imagebuilder: ImagebuilderClient,
} as const;
export type AwsService = keyof typeof SERVICE_CLIENTS;
export type ServiceClient<S extends AwsService> = InstanceType<(typeof SERVICE_CLIENTS)[S]>;
const AWS_SERVICES = Object.keys(SERVICE_CLIENTS) as AwsService[];

/** Told of every AWS call that failed after the SDK's retries (serve counts them: src/metrics.ts). */
export type AwsErrorObserver = (service: string, code: string | undefined) => void;

/** Refresh assumed-role credentials this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * SDK clients per account-region, with assumed-role credentials cached per account until near expiry,
 * adaptive retry, one shared connection pool, and the per-account-region pace.
 * Clients are cheap (about 0.15 ms, 30 kB) but not free: the scan makes them per target and drops them.
 */
export class AwsClients {
  private readonly handler: NodeHttpHandler;
  private readonly homeCredentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  private readonly cache = new Map<string, { expires: number; value: Promise<AwsCredentialIdentity> }>();
  private readonly pacer: Pacer;
  private sts?: STSClient;
  /** Attempts AWS answered with a throttling error so far (the adaptive concurrency backs off on them). */
  throttledAttempts = 0;
  /**
   * Settings the SDK would otherwise look up for every new client through its env/ini provider chains
   * (a third of a client's construction cost, and the scan makes two clients per account-region).
   * Read once here from the same environment variables.
   */
  private readonly resolved = {
    useFipsEndpoint: process.env.AWS_USE_FIPS_ENDPOINT === 'true',
    useDualstackEndpoint: process.env.AWS_USE_DUALSTACK_ENDPOINT === 'true',
    defaultsMode: 'standard' as const,
    userAgentAppId: 'shareguard',
    // Without it every new client looks the preference up in env/ini files and builds two
    // `ProviderError`s (regex-scanning their source for the stack): −6 % scan CPU on M and L
    // (issue 11, side-by-side runs). Empty = the SDK's own order (SigV4 for EC2/RDS/STS).
    authSchemePreference: [] as string[],
  };

  constructor(
    readonly settings: AwsSettings,
    private readonly onError?: AwsErrorObserver,
  ) {
    const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets };
    this.handler = new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 10_000,
      requestTimeout: 60_000,
    });
    this.homeCredentials = settings.credentials ?? fromNodeProviderChain();
    this.pacer = new Pacer(settings.paceScale);
  }

  private common(region: string) {
    return {
      region,
      maxAttempts: this.settings.maxAttempts,
      retryMode: 'adaptive' as const,
      requestHandler: this.handler,
      ...this.resolved,
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
    };
  }

  private stsClient(): STSClient {
    this.sts ??= new STSClient({
      ...this.common(this.settings.homeRegion),
      credentials: this.homeCredentials,
    });
    this.sts.middlewareStack.use(this.errorPlugin('sts'));
    return this.sts;
  }

  /** The home credentials as a provider (worker threads ask the calling thread for them through it). */
  homeCredentialsProvider(): AwsCredentialIdentityProvider {
    const home = this.homeCredentials;
    return typeof home === 'function' ? home : async () => home;
  }

  /** Credentials acting as the account: the home ones, or the account's role assumed (cached). */
  credentialsFor(account: MonitoredAccount): AwsCredentialIdentityProvider {
    if (!account.role) return this.homeCredentialsProvider();
    const role = account.role;
    // Keyed by role too: the guard may use another role in an account the scan also uses.
    const key = `${account.id}|${role.name}`;
    return () => {
      const now = Date.now();
      const hit = this.cache.get(key);
      if (hit && hit.expires - REFRESH_MARGIN_MS > now) return hit.value;
      const value = this.assume(account.id, role.name, role.externalId);
      // Until the answer arrives, concurrent callers share the one AssumeRole call.
      const entry = { expires: Number.POSITIVE_INFINITY, value };
      this.cache.set(key, entry);
      value.then(
        (c) => (entry.expires = c.expiration?.getTime() ?? now + 15 * 60_000),
        () => this.cache.get(key) === entry && this.cache.delete(key),
      );
      return value;
    };
  }

  private async assume(
    accountId: string,
    roleName: string,
    externalId?: string,
  ): Promise<AwsCredentialIdentity> {
    const arn = roleArn(accountId, roleName, partitionOf(this.settings.homeRegion));
    const out = await this.stsClient().send(
      new AssumeRoleCommand({
        RoleArn: arn,
        RoleSessionName: this.settings.roleSessionName,
        ...(externalId ? { ExternalId: externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${arn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  }

  /** A regional service's client acting as the account, paced per account-region-service. */
  for<S extends AwsService>(service: S, account: MonitoredAccount, region: string): ServiceClient<S> {
    // The constructors differ only in their config type; every service here takes the common settings.
    const Client = SERVICE_CLIENTS[service] as unknown as new (config: object) => ServiceClient<S>;
    const client = new Client({ ...this.common(region), credentials: this.credentialsFor(account) });
    slimStack(client);
    reuseSigner(client);
    client.middlewareStack.use(this.pacePlugin(`${account.id}|${region}|${service}`));
    client.middlewareStack.use(this.errorPlugin(service));
    return client;
  }

  ec2(account: MonitoredAccount, region: string): EC2Client {
    return this.for('ec2', account, region);
  }

  rds(account: MonitoredAccount, region: string): RDSClient {
    return this.for('rds', account, region);
  }

  /** IAM is global: one client per account, in the home region (the guard's managed policies). */
  iam(account: MonitoredAccount): IAMClient {
    const client = new IAMClient({
      ...this.common(this.settings.homeRegion),
      credentials: this.credentialsFor(account),
    });
    client.middlewareStack.use(this.pacePlugin(`${account.id}|global|iam`));
    client.middlewareStack.use(this.errorPlugin('iam'));
    return client;
  }

  /** Organizations, answered by the management account (the guard's service control policies). */
  organizations(account: MonitoredAccount): OrganizationsClient {
    const client = new OrganizationsClient({
      ...this.common(this.settings.homeRegion),
      credentials: this.credentialsFor(account),
    });
    client.middlewareStack.use(this.pacePlugin(`${account.id}|global|organizations`));
    client.middlewareStack.use(this.errorPlugin('organizations'));
    return client;
  }

  /** Forget the pace buckets of an account-region whose scan is over. */
  release(accountId: string, region: string): void {
    for (const service of AWS_SERVICES) this.pacer.forget(`${accountId}|${region}|${service}`);
  }

  /** Every attempt (retries included) takes a token: placed inside the retry middleware. */
  private pacePlugin<I extends object, O extends object>(key: string): Pluggable<I, O> {
    const pacer = this.pacer;
    const middleware: FinalizeRequestMiddleware<I, O> =
      (next, context: HandlerExecutionContext) => async (args) => {
        const command = context.commandName ?? 'Describe';
        await pacer.bucket(key, categoryOf(command.replace(/Command$/, ''))).take();
        try {
          return await next(args);
        } catch (err) {
          if (isThrottling(err)) this.throttledAttempts++;
          throw err;
        }
      };
    const options: FinalizeRequestHandlerOptions & RelativeMiddlewareOptions = {
      name: 'shareguardPace',
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      step: 'finalizeRequest',
      override: true,
    };
    return {
      applyToStack: (stack) => stack.addRelativeTo(middleware, options),
    };
  }

  /** An error of a call these settings made in a worker thread (src/scan/worker-pool.ts forwards it). */
  observeError(service: string, code: string | undefined): void {
    this.onError?.(service, code);
  }

  /** Outermost (initialize step, outside the retries): one report per call that finally failed. */
  private errorPlugin<I extends object, O extends object>(service: string): Pluggable<I, O> {
    const onError = this.onError;
    const middleware: InitializeMiddleware<I, O> = (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const e = err as { Code?: unknown; name?: unknown };
        onError!(
          service,
          typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined,
        );
        throw err;
      }
    };
    return {
      applyToStack: (stack) => {
        if (onError) stack.add(middleware, { step: 'initialize', name: 'shareguardErrors', override: true });
      },
    };
  }

  destroy(): void {
    this.sts?.destroy();
    this.handler.destroy();
  }
}

/** AWS's throttling error codes (EC2 `RequestLimitExceeded`, RDS/STS `Throttling`, …) or HTTP 429. */
const THROTTLING =
  /^(Throttling|ThrottlingException|ThrottledException|RequestThrottled|RequestThrottledException|RequestLimitExceeded|TooManyRequestsException|SlowDown|BandwidthLimitExceeded|PriorRequestNotComplete)$/;

function isThrottling(err: unknown): boolean {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  return (typeof e?.name === 'string' && THROTTLING.test(e.name)) || e?.$metadata?.httpStatusCode === 429;
}

type SignerProvider = EC2Client['config']['signer'];

/**
 * The SDK builds a new SigV4 signer for every request: its `signer` config copies the whole resolved client
 * config into the signer's options each time (2.0 % of a worker's CPU on L in a profile at 7c12682, plus the
 * garbage). For a client of one region and service the signer depends only on the endpoint's auth scheme
 * (signing name and region, the same for every request) and the client's credentials provider, which the
 * signer calls for every request (so refreshed credentials still apply at once), so one per auth scheme is
 * kept: a listing client sends about two requests on L, a client with the blast radius about four. A failed
 * build is not kept. `test/aws/clients.test.ts` checks who each request is signed as.
 */
function reuseSigner(client: ServiceClient<AwsService>): void {
  const config = client.config as { signer: SignerProvider };
  const build = config.signer;
  const built = new Map<string, ReturnType<SignerProvider>>();
  config.signer = (authScheme) => {
    const key = `${authScheme?.name ?? ''}|${authScheme?.signingName ?? ''}|${authScheme?.signingRegion ?? ''}`;
    let signer = built.get(key);
    if (!signer) {
      signer = build(authScheme);
      built.set(key, signer);
      signer.catch(() => built.get(key) === signer && built.delete(key));
    }
    return signer;
  };
}

/** What the SDK's user-agent middleware would say, reduced to the app id; computed once. */
const USER_AGENT = `shareguard md/nodejs#${process.versions.node}`;

/**
 * The scan's listing clients send tens of thousands of requests; three of the SDK's middleware cost
 * about 6 % of the scan's CPU between them (issue 11, M and L side by side) for nothing shareguard uses:
 * the user-agent one rebuilds its header from feature metrics on every request, recursion detection
 * only matters inside Lambda (it copies `_X_AMZN_TRACE_ID`), and the logger one formats a log entry
 * for a logger we do not pass. The app id stays, from a precomputed header.
 */
function slimStack(client: ServiceClient<AwsService>): void {
  const stack = client.middlewareStack as {
    remove(name: string): boolean;
    add: EC2Client['middlewareStack']['add'];
  };
  stack.remove('getUserAgentMiddleware');
  stack.remove('recursionDetectionMiddleware');
  stack.remove('loggerMiddleware');
  stack.add(
    (next) => (args) => {
      const request = (args as { request?: { headers?: Record<string, string> } }).request;
      if (request?.headers) {
        request.headers['user-agent'] = USER_AGENT;
        request.headers['x-amz-user-agent'] = USER_AGENT;
      }
      return next(args);
    },
    { step: 'build', name: 'shareguardUserAgent', priority: 'low', override: true },
  );
}
