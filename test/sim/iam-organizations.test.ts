// IAM managed policies, role attachments and the policy simulator; Organizations SCPs over the
// JSON 1.1 protocol — through the real SDK clients.
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreatePolicyCommand as CreateScpCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { A, assume, failure, ORG, OU1, type Creds } from './helpers.ts';

const MGMT = '999999999999';
const LONER = '444444444444';
const IMG = 'arn:aws:ec2:us-east-1::image/ami-0bad';

const denyImage = (id: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Block', Effect: 'Deny', Action: 'ec2:RunInstances', Resource: `arn:aws:ec2:*::image/${id}` },
    ],
  });

function world() {
  return {
    homeAccount: '000000000000',
    accounts: [
      {
        id: A,
        regions: ['us-east-1'],
        assumeRole: 'allow',
        organization: ORG,
        ous: [OU1],
        roles: [{ name: 'WorkloadRole', policies: [`arn:aws:iam::${A}:policy/Existing`] }, { name: 'Other' }],
        policies: [
          {
            name: 'Existing',
            document: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
            },
          },
        ],
      },
      { id: MGMT, regions: ['us-east-1'], assumeRole: 'allow', organization: ORG },
      { id: LONER, regions: ['us-east-1'], assumeRole: 'allow' },
    ],
    organizationPolicies: {
      managementAccount: MGMT,
      policies: [
        {
          id: 'p-base1234',
          name: 'Baseline',
          content: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Deny', Action: 'ec2:CopyImage', Resource: '*' }],
          },
          targets: ['r-ab12'],
        },
      ],
    },
    images: [],
    snapshots: [],
    dbSnapshots: [],
    dbClusterSnapshots: [],
    instances: [],
    volumes: [],
  };
}

let sim: SimHandle;
let credsA: Creds;
let iamA: IAMClient;
let orgMgmt: OrganizationsClient;

function iam(creds: Creds): IAMClient {
  return new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
}
function org(creds: Creds): OrganizationsClient {
  return new OrganizationsClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    credentials: creds,
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  sim = await start({ world: world() });
  credsA = await assume(sim, A);
  iamA = iam(credsA);
  orgMgmt = org(await assume(sim, MGMT));
});
afterAll(async () => {
  await sim.stop();
});

describe('IAM managed policies', () => {
  let arn: string;

  it('CreatePolicy, GetPolicy, GetPolicyVersion (the document comes back URL-encoded, as IAM sends it)', async () => {
    const out = await iamA.send(
      new CreatePolicyCommand({ PolicyName: 'ShareGuardBlocked', PolicyDocument: denyImage('ami-1') }),
    );
    arn = out.Policy!.Arn!;
    expect(arn).toBe(`arn:aws:iam::${A}:policy/ShareGuardBlocked`);
    expect(out.Policy).toMatchObject({ DefaultVersionId: 'v1', AttachmentCount: 0 });
    const got = await iamA.send(new GetPolicyCommand({ PolicyArn: arn }));
    expect(got.Policy!.PolicyName).toBe('ShareGuardBlocked');
    const v = await iamA.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    expect(JSON.parse(decodeURIComponent(v.PolicyVersion!.Document!))).toEqual(
      JSON.parse(denyImage('ami-1')),
    );
    expect(
      await failure(
        iamA.send(
          new CreatePolicyCommand({ PolicyName: 'ShareGuardBlocked', PolicyDocument: denyImage('x') }),
        ),
      ),
    ).toMatchObject({ name: 'EntityAlreadyExistsException' });
  });

  it('refuses a document over 6,144 characters (whitespace not counted) and malformed ones', async () => {
    const resources = Array.from(
      { length: 200 },
      (_, i) => `arn:aws:ec2:*::image/ami-${String(i).padStart(17, '0')}`,
    );
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'ec2:RunInstances', Resource: resources }],
    });
    expect(big.length).toBeGreaterThan(6144);
    expect(
      await failure(iamA.send(new CreatePolicyCommand({ PolicyName: 'Big', PolicyDocument: big }))),
    ).toMatchObject({
      name: 'LimitExceededException',
    });
    // Whitespace is free: a document padded with spaces beyond 6,144 is fine.
    const padded = denyImage('ami-2').replace(/,/g, `,${' '.repeat(2000)}`);
    expect(padded.length).toBeGreaterThan(6144);
    await iamA.send(new CreatePolicyCommand({ PolicyName: 'Padded', PolicyDocument: padded }));
    expect(
      await failure(
        iamA.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: '{"Statement": 1' })),
      ),
    ).toMatchObject({ name: 'MalformedPolicyDocumentException' });
  });

  it('versions: at most 5, SetAsDefault, the default cannot be deleted', async () => {
    for (let i = 2; i <= 5; i++) {
      const v = await iamA.send(
        new CreatePolicyVersionCommand({
          PolicyArn: arn,
          PolicyDocument: denyImage(`ami-${i}`),
          SetAsDefault: true,
        }),
      );
      expect(v.PolicyVersion).toMatchObject({ VersionId: `v${i}`, IsDefaultVersion: true });
    }
    expect(
      await failure(
        iamA.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: denyImage('ami-6') })),
      ),
    ).toMatchObject({ name: 'LimitExceededException' });
    const list = await iamA.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(list.Versions!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v5', true],
      ['v4', false],
      ['v3', false],
      ['v2', false],
      ['v1', false],
    ]);
    expect(
      await failure(iamA.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }))),
    ).toMatchObject({
      name: 'DeleteConflictException',
    });
    await iamA.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const v6 = await iamA.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arn,
        PolicyDocument: denyImage('ami-0bad'),
        SetAsDefault: true,
      }),
    );
    expect(v6.PolicyVersion!.VersionId).toBe('v6');
    expect(sim.state.toWorld().accounts.find((a) => a.id === A)!.policies).toContainEqual({
      name: 'ShareGuardBlocked',
      document: JSON.parse(denyImage('ami-0bad')),
    });
  });

  it('attach, list and detach on a role; unknown roles and policies are NoSuchEntity', async () => {
    await iamA.send(new AttachRolePolicyCommand({ RoleName: 'WorkloadRole', PolicyArn: arn }));
    const listed = await iamA.send(new ListAttachedRolePoliciesCommand({ RoleName: 'WorkloadRole' }));
    expect(listed.AttachedPolicies).toEqual([
      { PolicyName: 'Existing', PolicyArn: `arn:aws:iam::${A}:policy/Existing` },
      { PolicyName: 'ShareGuardBlocked', PolicyArn: arn },
    ]);
    expect(sim.state.iam.role(A, 'WorkloadRole')!.attached).toContain(arn);
    expect(
      await failure(iamA.send(new AttachRolePolicyCommand({ RoleName: 'Nope', PolicyArn: arn }))),
    ).toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(
      await failure(
        iamA.send(
          new AttachRolePolicyCommand({ RoleName: 'Other', PolicyArn: `arn:aws:iam::${A}:policy/Nope` }),
        ),
      ),
    ).toMatchObject({ name: 'NoSuchEntityException' });
    await iamA.send(new AttachRolePolicyCommand({ RoleName: 'Other', PolicyArn: arn }));
    await iamA.send(new DetachRolePolicyCommand({ RoleName: 'Other', PolicyArn: arn }));
    expect(
      await failure(iamA.send(new DetachRolePolicyCommand({ RoleName: 'Other', PolicyArn: arn }))),
    ).toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('IAM is global: a client configured for another region reaches the same policies', async () => {
    const eu = new IAMClient({
      endpoint: sim.endpoint,
      region: 'eu-central-1',
      credentials: credsA,
      maxAttempts: 1,
    });
    expect((await eu.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.Arn).toBe(arn);
  });

  it('another account cannot see the policy', async () => {
    const loner = iam(await assume(sim, LONER));
    expect(await failure(loner.send(new GetPolicyCommand({ PolicyArn: arn })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('SimulatePrincipalPolicy: explicitDeny with the matched statement for the blocked image, allowed otherwise', async () => {
    const out = await iamA.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${A}:role/WorkloadRole`,
        ActionNames: ['ec2:RunInstances'],
        ResourceArns: [IMG, 'arn:aws:ec2:us-east-1::image/ami-0good'],
      }),
    );
    expect(out.EvaluationResults!.map((r) => [r.EvalResourceName, r.EvalDecision])).toEqual([
      [IMG, 'explicitDeny'],
      ['arn:aws:ec2:us-east-1::image/ami-0good', 'allowed'],
    ]);
    expect(out.EvaluationResults![0]!.MatchedStatements).toEqual([
      { SourcePolicyId: arn, SourcePolicyType: 'user-managed' },
    ]);
    // The SCP over A shows up too, in the organizations detail.
    const copy = await iamA.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${A}:role/Other`,
        ActionNames: ['ec2:CopyImage'],
      }),
    );
    expect(copy.EvaluationResults![0]).toMatchObject({
      EvalDecision: 'explicitDeny',
      OrganizationsDecisionDetail: { AllowedByOrganizations: false },
    });
  });

  it('SimulateCustomPolicy evaluates the given documents only, with context entries', async () => {
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: 'ec2:RunInstances',
          Resource: '*',
          Condition: { StringEquals: { 'ec2:Owner': MGMT } },
        },
      ],
    });
    const out = await iamA.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [doc],
        ActionNames: ['ec2:RunInstances', 'ec2:CreateVolume'],
        ResourceArns: [IMG],
        ContextEntries: [{ ContextKeyName: 'ec2:Owner', ContextKeyValues: [MGMT], ContextKeyType: 'string' }],
      }),
    );
    expect(out.EvaluationResults!.map((r) => r.EvalDecision)).toEqual(['explicitDeny', 'allowed']);
    expect(out.EvaluationResults![0]!.MatchedStatements![0]!.SourcePolicyId).toBe('PolicyInputList.1');
    const missing = await iamA.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [doc],
        ActionNames: ['ec2:RunInstances'],
        ResourceArns: [IMG],
      }),
    );
    expect(missing.EvaluationResults![0]).toMatchObject({
      EvalDecision: 'allowed',
      MissingContextValues: ['ec2:Owner'],
    });
  });
});

describe('Organizations service control policies', () => {
  let id: string;

  it('only the management account: members AccessDenied, outsiders AWSOrganizationsNotInUse', async () => {
    expect(
      await failure(org(credsA).send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))),
    ).toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(
      await failure(
        org(await assume(sim, LONER)).send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' })),
      ),
    ).toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
  });

  it('ListPolicies, CreatePolicy, DescribePolicy, UpdatePolicy', async () => {
    const listed = await orgMgmt.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }));
    expect(listed.Policies!.map((p) => p.Id)).toEqual(['p-base1234']);
    const created = await orgMgmt.send(
      new CreateScpCommand({
        Name: 'ShareGuardBlocked',
        Description: 'd',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: denyImage('ami-1'),
      }),
    );
    id = created.Policy!.PolicySummary!.Id!;
    expect(id).toMatch(/^p-/);
    await orgMgmt.send(new UpdatePolicyCommand({ PolicyId: id, Content: denyImage('ami-0bad') }));
    const described = await orgMgmt.send(new DescribePolicyCommand({ PolicyId: id }));
    expect(JSON.parse(described.Policy!.Content!)).toEqual(JSON.parse(denyImage('ami-0bad')));
    expect(sim.state.org.policies.get(id)!.content).toBe(denyImage('ami-0bad'));
  });

  it('content over 5,120 characters is a ConstraintViolationException', async () => {
    const resources = Array.from(
      { length: 150 },
      (_, i) => `arn:aws:ec2:*::image/ami-${String(i).padStart(17, '0')}`,
    );
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'ec2:RunInstances', Resource: resources }],
    });
    expect(big.length).toBeGreaterThan(5120);
    const err = await failure(orgMgmt.send(new UpdatePolicyCommand({ PolicyId: id, Content: big })));
    expect(err).toMatchObject({ name: 'ConstraintViolationException' });
  });

  it('AttachPolicy, ListTargetsForPolicy, DetachPolicy', async () => {
    const ouId = OU1.slice(OU1.lastIndexOf('/') + 1);
    await orgMgmt.send(new AttachPolicyCommand({ PolicyId: id, TargetId: ouId }));
    await orgMgmt.send(new AttachPolicyCommand({ PolicyId: id, TargetId: A }));
    expect(await failure(orgMgmt.send(new AttachPolicyCommand({ PolicyId: id, TargetId: A })))).toMatchObject(
      { name: 'DuplicatePolicyAttachmentException' },
    );
    expect(
      await failure(orgMgmt.send(new AttachPolicyCommand({ PolicyId: id, TargetId: 'ou-zz99-nothere1' }))),
    ).toMatchObject({ name: 'TargetNotFoundException' });
    const targets = await orgMgmt.send(new ListTargetsForPolicyCommand({ PolicyId: id }));
    expect(targets.Targets!.map((t) => [t.TargetId, t.Type])).toEqual([
      [ouId, 'ORGANIZATIONAL_UNIT'],
      [A, 'ACCOUNT'],
    ]);
    await orgMgmt.send(new DetachPolicyCommand({ PolicyId: id, TargetId: A }));
    expect(sim.state.toWorld().organizationPolicies!.policies.find((p) => p.id === id)!.targets).toEqual([
      ouId,
    ]);
    expect(await failure(orgMgmt.send(new DescribePolicyCommand({ PolicyId: 'p-nothere00' })))).toMatchObject(
      { name: 'PolicyNotFoundException' },
    );
  });
});
