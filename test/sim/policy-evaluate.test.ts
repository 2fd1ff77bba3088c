// The Deny-only evaluator on a table of cases (docs/simulator.md "Policy evaluation").
import { describe, expect, it } from 'vitest';
import {
  evaluateDeny,
  policySize,
  UnsupportedPolicyError,
  type EvalRequest,
  type PolicyStatementLike,
} from '../../src/testing/sim/policy/evaluate.ts';

const IMG = 'arn:aws:ec2:us-east-1::image/ami-0bad';
const A = '111111111111';
const EVIL = '999999999999';

function req(over: Partial<EvalRequest> & { ctx?: Record<string, string[]> } = {}): EvalRequest {
  return {
    action: over.action ?? 'ec2:RunInstances',
    resource: over.resource ?? IMG,
    context: { 'aws:PrincipalAccount': [A], 'ec2:Owner': [EVIL], 'ec2:ImageID': ['ami-0bad'], ...over.ctx },
  };
}

function deny(st: Omit<PolicyStatementLike, 'Effect'>): PolicyStatementLike {
  return { Effect: 'Deny', ...st };
}

const cases: [string, PolicyStatementLike, EvalRequest, 'explicitDeny' | 'allowed'][] = [
  ['exact action and resource', deny({ Action: 'ec2:RunInstances', Resource: IMG }), req(), 'explicitDeny'],
  ['action is case-insensitive', deny({ Action: 'EC2:runinstances', Resource: IMG }), req(), 'explicitDeny'],
  ['action wildcard', deny({ Action: 'ec2:Run*', Resource: '*' }), req(), 'explicitDeny'],
  ['other action', deny({ Action: 'ec2:CreateVolume', Resource: IMG }), req(), 'allowed'],
  [
    'action list',
    deny({ Action: ['ec2:CreateVolume', 'ec2:RunInstances'], Resource: IMG }),
    req(),
    'explicitDeny',
  ],
  ['NotAction excludes', deny({ NotAction: 'ec2:RunInstances', Resource: '*' }), req(), 'allowed'],
  ['NotAction covers others', deny({ NotAction: 'ec2:Describe*', Resource: '*' }), req(), 'explicitDeny'],
  [
    'resource wildcard',
    deny({ Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*::image/*' }),
    req(),
    'explicitDeny',
  ],
  [
    'resource ? wildcard',
    deny({ Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:us-east-1::image/ami-0ba?' }),
    req(),
    'explicitDeny',
  ],
  [
    'resource is case-sensitive',
    deny({ Action: 'ec2:RunInstances', Resource: IMG.toUpperCase() }),
    req(),
    'allowed',
  ],
  [
    'other resource',
    deny({ Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*::image/ami-0good' }),
    req(),
    'allowed',
  ],
  [
    'NotResource excludes',
    deny({ Action: 'ec2:RunInstances', NotResource: 'arn:aws:ec2:*::image/*' }),
    req(),
    'allowed',
  ],
  [
    'NotResource covers others',
    deny({ Action: 'ec2:RunInstances', NotResource: 'arn:aws:ec2:*::snapshot/*' }),
    req(),
    'explicitDeny',
  ],
  ['no Resource (SCP style)', deny({ Action: 'ec2:RunInstances' }), req(), 'explicitDeny'],
  ['Allow statements are ignored', { Effect: 'Allow', Action: '*', Resource: '*' }, req(), 'allowed'],
  [
    'StringNotEquals ec2:Owner with a trusted list and ${aws:PrincipalAccount}',
    deny({
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*::image/*',
      Condition: { StringNotEquals: { 'ec2:Owner': ['amazon', '222222222222', '${aws:PrincipalAccount}'] } },
    }),
    req(),
    'explicitDeny',
  ],
  [
    "StringNotEquals: the principal's own image passes",
    deny({
      Action: 'ec2:RunInstances',
      Resource: '*',
      Condition: { StringNotEquals: { 'ec2:Owner': ['amazon', '${aws:PrincipalAccount}'] } },
    }),
    req({ ctx: { 'ec2:Owner': [A] } }),
    'allowed',
  ],
  [
    'StringEquals on the owner',
    deny({ Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'ec2:Owner': EVIL } } }),
    req(),
    'explicitDeny',
  ],
  [
    'condition key names are case-insensitive',
    deny({ Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'EC2:OWNER': EVIL } } }),
    req(),
    'explicitDeny',
  ],
  [
    'StringEquals on a missing key does not match',
    deny({ Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'ec2:SnapshotID': 'snap-1' } } }),
    req(),
    'allowed',
  ],
  [
    'StringNotEquals on a missing key matches (AWS)',
    deny({ Action: 'ec2:*', Resource: '*', Condition: { StringNotEquals: { 'ec2:SnapshotID': 'snap-1' } } }),
    req(),
    'explicitDeny',
  ],
  [
    'StringLike with wildcards',
    deny({ Action: 'ec2:*', Resource: '*', Condition: { StringLike: { 'ec2:ImageID': 'ami-0b*' } } }),
    req(),
    'explicitDeny',
  ],
  [
    'StringNotLike',
    deny({ Action: 'ec2:*', Resource: '*', Condition: { StringNotLike: { 'ec2:ImageID': 'ami-0b*' } } }),
    req(),
    'allowed',
  ],
  [
    'ArnLike on an RDS snapshot owner',
    deny({
      Action: 'rds:RestoreDBInstanceFromDBSnapshot',
      Resource: '*',
      Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:rds:*:999999999999:snapshot:*' } },
    }),
    req({
      action: 'rds:RestoreDBInstanceFromDBSnapshot',
      ctx: { 'aws:SourceArn': ['arn:aws:rds:us-east-1:999999999999:snapshot:orders'] },
    }),
    'explicitDeny',
  ],
  [
    'ArnNotLike',
    deny({
      Action: '*',
      Resource: '*',
      Condition: { ArnNotLike: { 'aws:SourceArn': 'arn:aws:rds:*:999999999999:*' } },
    }),
    req({ ctx: { 'aws:SourceArn': ['arn:aws:rds:us-east-1:999999999999:snapshot:x'] } }),
    'allowed',
  ],
  [
    'ArnEquals',
    deny({
      Action: '*',
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:rds:us-east-1:1:snapshot:x' } },
    }),
    req({ ctx: { 'aws:SourceArn': ['arn:aws:rds:us-east-1:1:snapshot:x'] } }),
    'explicitDeny',
  ],
  [
    'ForAnyValue:StringEquals: one of several values',
    deny({
      Action: '*',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'ec2:Owner': ['x', EVIL] } },
    }),
    req({ ctx: { 'ec2:Owner': ['y', EVIL] } }),
    'explicitDeny',
  ],
  [
    'ForAnyValue on a missing key is false',
    deny({
      Action: '*',
      Resource: '*',
      Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': 'x' } },
    }),
    req(),
    'allowed',
  ],
  [
    'every condition block must hold (AND)',
    deny({
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'ec2:Owner': EVIL }, StringLike: { 'ec2:ImageID': 'ami-other*' } },
    }),
    req(),
    'allowed',
  ],
  [
    'IfExists on a missing key holds',
    deny({ Action: '*', Resource: '*', Condition: { StringEqualsIfExists: { 'aws:ResourceOrgID': 'o-1' } } }),
    req(),
    'explicitDeny',
  ],
];

describe('evaluateDeny', () => {
  it.each(cases)('%s', (_name, statement, request, decision) => {
    const out = evaluateDeny([{ id: 'P', kind: 'identity', document: { Statement: [statement] } }], request);
    expect(out.decision).toBe(decision);
    expect(out.matched.length > 0).toBe(decision === 'explicitDeny');
  });

  it('names every matched statement of every source', () => {
    const out = evaluateDeny(
      [
        {
          id: 'arn:aws:iam::1:policy/G',
          kind: 'identity',
          document: { Statement: [deny({ Sid: 'one', Action: '*' }), { Effect: 'Allow', Action: '*' }] },
        },
        { id: 'p-abcd1234', kind: 'scp', document: { Statement: deny({ Action: 'ec2:*' }) } },
      ],
      req(),
    );
    expect(out.matched).toEqual([
      { sourcePolicyId: 'arn:aws:iam::1:policy/G', kind: 'identity', statementIndex: 0, sid: 'one' },
      { sourcePolicyId: 'p-abcd1234', kind: 'scp', statementIndex: 0 },
    ]);
  });

  it('reports condition keys the request lacked', () => {
    const out = evaluateDeny(
      [
        {
          id: 'P',
          kind: 'custom',
          document: {
            Statement: deny({ Action: '*', Condition: { StringEquals: { 'ec2:SnapshotID': 's' } } }),
          },
        },
      ],
      req(),
    );
    expect(out.missingContextValues).toEqual(['ec2:SnapshotID']);
  });

  it('refuses an operator it does not implement instead of guessing', () => {
    expect(() =>
      evaluateDeny(
        [
          {
            id: 'P',
            kind: 'identity',
            document: { Statement: deny({ Action: '*', Condition: { NumericLessThan: { 'x:y': '1' } } }) },
          },
        ],
        req(),
      ),
    ).toThrow(UnsupportedPolicyError);
  });

  it('counts policy size without whitespace', () => {
    expect(policySize('{ "a" :\n\t"b c" }')).toBe(10);
  });
});
