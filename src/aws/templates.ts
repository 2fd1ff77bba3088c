/**
 * CloudFormation for every role shareguard uses and for its home account (issue 22 item 2,
 * docs/deploy.md), generated from the same registries as `shareguard iam-policy` so they cannot drift:
 * - `member-account` (a service-managed StackSet over the monitored accounts): the scanning role with
 *   the kinds' scan and recipient-side remediation actions, the guard's actions when `guard.mode` is
 *   `iam-policy`, and the owner-side actions where the `OwnerSide` parameter is true (sandboxes);
 * - `management-account`: the Organizations reader for discovery, the SCP guard's role with `guard.mode: scp`;
 * - `shareguard-home`: the store's DynamoDB table exactly as src/store/table.ts lays it out (on-demand,
 *   point-in-time recovery, encryption, kept on delete) and the bot's role with `iam-policy --for bot`.
 * Roles the bot assumes trust only the bot's role (a parameter), with an ExternalId and aws:PrincipalOrgID.
 */
import type { Config } from '../config/schema.ts';
import { RESOURCE_KINDS, type ResourceKind } from '../domain/finding.ts';
import { guardRolePolicy } from '../guard/iam-actions.ts';
import { organizationReader } from '../scan/from-config.ts';
import { tableDefinition } from '../store/table.ts';
import {
  botIdentityPolicy,
  ORGANIZATION_READ_ACTIONS,
  ownerRolePolicy,
  scannerRolePolicy,
  storeStatement,
  type PolicyDocument,
} from './iam-policy.ts';

export const TEMPLATE_NAMES = ['member-account', 'management-account', 'shareguard-home'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Template = { [key: string]: Json };

/** A policy document with `${Resource.Attr}` references to the template: those strings go through Fn::Sub. */
type AnyPolicy = { Version: string; Statement: object[] } | PolicyDocument;

const TRUST_PARAMETERS: Record<string, Json> = {
  BotRoleArn: {
    Type: 'String',
    Description: 'The ARN of shareguard’s own role (the shareguard-home stack’s BotRoleArn output).',
    AllowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$',
  },
  ExternalId: {
    Type: 'String',
    Default: '',
    Description: 'The external id shareguard sends (accounts[].role.externalId); empty: none asked for.',
    AllowedPattern: '^([\\w+=,.@:/-]{2,1224})?$',
  },
  OrganizationId: {
    Type: 'String',
    Default: '',
    Description:
      'Your organization id (o-…): only a bot role of this organization may assume; empty: not checked.',
    AllowedPattern: '^(o-[a-z0-9]{10,32})?$',
  },
};

const TRUST_CONDITIONS: Record<string, Json> = {
  HasExternalId: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ExternalId' }, ''] }] },
  HasOrganizationId: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OrganizationId' }, ''] }] },
};

/** Only the bot's role may assume; with the ExternalId and the organization when given. */
function trustPolicy(): Json {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'BotRoleArn' } },
        Action: 'sts:AssumeRole',
        Condition: {
          'Fn::If': [
            'HasExternalId',
            {
              'Fn::If': [
                'HasOrganizationId',
                {
                  StringEquals: {
                    'sts:ExternalId': { Ref: 'ExternalId' },
                    'aws:PrincipalOrgID': { Ref: 'OrganizationId' },
                  },
                },
                { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
              ],
            },
            {
              'Fn::If': [
                'HasOrganizationId',
                { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
                { Ref: 'AWS::NoValue' },
              ],
            },
          ],
        },
      },
    ],
  };
}

/** Strings naming the template's resources (`${Table.Arn}`) become Fn::Sub, IAM's own `${aws:…}` escaped. */
function resolveRefs(value: unknown): Json {
  if (typeof value === 'string') {
    if (!/\$\{(?!aws:)[A-Za-z:]+(\.[A-Za-z]+)?\}/.test(value)) return value;
    return { 'Fn::Sub': value.replace(/\$\{aws:/g, '${!aws:') };
  }
  if (Array.isArray(value)) return value.map(resolveRefs);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v)]));
  return value as Json;
}

function managedPolicy(description: string, document: AnyPolicy, roles: Json[], condition?: string): Json {
  return {
    Type: 'AWS::IAM::ManagedPolicy',
    ...(condition ? { Condition: condition } : {}),
    Properties: { Description: description, PolicyDocument: resolveRefs(document), Roles: roles },
  };
}

function role(nameParameter: string, description: string, trust: Json = trustPolicy()): Json {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: { Ref: nameParameter },
      Description: description,
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: trust,
    },
  };
}

function roleNameParameter(description: string, defaultName: string): Json {
  return {
    Type: 'String',
    Default: defaultName,
    Description: description,
    AllowedPattern: '^[\\w+=,.@-]{1,64}$',
  };
}

const HEADER = { AWSTemplateFormatVersion: '2010-09-09' } as const;

function memberAccount(config: Config | undefined, kinds: readonly ResourceKind[]): Template {
  const scanner = scannerRolePolicy(kinds, {
    remediation: true,
    blastRadius: config?.scan.blastRadius ?? true,
    allowedAmis: (config?.guard.allowedAmis ?? 'off') !== 'off',
  });
  const resources: Record<string, Json> = {
    ScannerRole: role('ScannerRoleName', 'shareguard lists what is shared into this account and removes it'),
    ScannerPolicy: managedPolicy('shareguard: scan, blast radius and recipient-side removal', scanner, [
      { Ref: 'ScannerRole' },
    ]),
    OwnerSidePolicy: managedPolicy(
      'shareguard: revoke or delete at the source (accounts marked trustedSource: false)',
      ownerRolePolicy(kinds),
      [{ Ref: 'ScannerRole' }],
      'IsOwnerSide',
    ),
  };
  if (config?.guard.mode === 'iam-policy')
    resources.GuardPolicy = managedPolicy(
      'shareguard guard (guard.mode iam-policy)',
      guardRolePolicy(config),
      [{ Ref: 'ScannerRole' }],
    );
  return {
    ...HEADER,
    Description:
      'shareguard member account: the role shareguard assumes here (deploy as a service-managed StackSet).',
    Parameters: {
      ...TRUST_PARAMETERS,
      ScannerRoleName: roleNameParameter(
        'aws.defaultRole in the config',
        config?.aws.defaultRole ?? 'ShareGuardScanner',
      ),
      OwnerSide: {
        Type: 'String',
        Default: 'false',
        AllowedValues: ['true', 'false'],
        Description:
          'true in accounts marked trustedSource: false: shareguard may revoke or delete their shares at the source.',
      },
    },
    Conditions: { ...TRUST_CONDITIONS, IsOwnerSide: { 'Fn::Equals': [{ Ref: 'OwnerSide' }, 'true'] } },
    Resources: resources,
    Outputs: { ScannerRoleArn: { Value: { 'Fn::GetAtt': ['ScannerRole', 'Arn'] } } },
  };
}

function scpRoleName(config: Config): string | undefined {
  const r = config.guard.scp?.role;
  if (r === 'none') return undefined;
  return typeof r === 'object' ? r.name : (r ?? config.aws.defaultRole);
}

function managementAccount(config: Config | undefined): Template {
  const readerName = config ? organizationReader(config)?.role?.name : 'ShareGuardOrgReader';
  const scpName = config?.guard.mode === 'scp' ? scpRoleName(config) : undefined;
  const parameters: Record<string, Json> = { ...TRUST_PARAMETERS };
  const resources: Record<string, Json> = {};
  const readPolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ShareGuardDiscovery', Effect: 'Allow', Action: [...ORGANIZATION_READ_ACTIONS], Resource: '*' },
    ],
  };
  if (readerName) {
    parameters.OrgReaderRoleName = roleNameParameter('organization.role in the config', readerName);
    resources.OrgReaderRole = role('OrgReaderRoleName', 'shareguard discovers the organization’s accounts');
    resources.OrgReaderPolicy = managedPolicy('shareguard: Organizations discovery', readPolicy, [
      { Ref: 'OrgReaderRole' },
    ]);
  }
  if (config && scpName) {
    // The same role when both are named alike (both default to aws.defaultRole).
    const same = scpName === readerName;
    if (!same) {
      parameters.ScpGuardRoleName = roleNameParameter('guard.scp.role in the config', scpName);
      resources.ScpGuardRole = role(
        'ScpGuardRoleName',
        'shareguard keeps its service control policies in step',
      );
    }
    resources.ScpGuardPolicy = managedPolicy('shareguard guard (guard.mode scp)', guardRolePolicy(config), [
      { Ref: same ? 'OrgReaderRole' : 'ScpGuardRole' },
    ]);
  }
  return {
    ...HEADER,
    Description: 'shareguard management account (or delegated administrator): discovery and the SCP guard.',
    Parameters: parameters,
    Conditions: TRUST_CONDITIONS,
    Resources: Object.keys(resources).length
      ? resources
      : // CloudFormation needs a resource: nothing of shareguard's is needed here with this config.
        { Nothing: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
  };
}

function homeAccount(config: Config | undefined): Template {
  const tableName = config?.store.tableName ?? 'shareguard';
  const def = tableDefinition(tableName);
  const table: Json = {
    Type: 'AWS::DynamoDB::Table',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      TableName: { Ref: 'TableName' },
      BillingMode: def.BillingMode!,
      AttributeDefinitions: def.AttributeDefinitions! as unknown as Json,
      KeySchema: def.KeySchema! as unknown as Json,
      GlobalSecondaryIndexes: def.GlobalSecondaryIndexes! as unknown as Json,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    },
  };
  // The bot's policy as `iam-policy --for bot` prints it, with the table of this stack.
  const botConfig: Config | undefined = config && { ...config, store: { ...config.store, kind: 'dynamodb' } };
  const tableArns = ['${ShareGuardTable.Arn}', '${ShareGuardTable.Arn}/index/*'];
  const botPolicy = botConfig
    ? botIdentityPolicy(botConfig, { tableArn: '${ShareGuardTable.Arn}' })
    : // Without a config: the default role names, in the bot's own organization.
      {
        Version: '2012-10-17' as const,
        Statement: [
          {
            Sid: 'ShareGuardAssumeOrganizationRoles',
            Effect: 'Allow' as const,
            Action: ['sts:AssumeRole'],
            Resource: ['arn:aws:iam::*:role/ShareGuardOrgReader', 'arn:aws:iam::*:role/ShareGuardScanner'],
            Condition: { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } },
          },
          storeStatement(tableArns),
        ],
      };
  return {
    ...HEADER,
    Description: 'shareguard home account: its DynamoDB table and the role the bot runs as.',
    Parameters: {
      TableName: {
        Type: 'String',
        Default: tableName,
        Description: 'store.tableName in the config',
        AllowedPattern: '^[\\w.-]{3,255}$',
      },
      BotRoleName: roleNameParameter('the role shareguard runs as', 'ShareGuardBot'),
      BotService: {
        Type: 'String',
        Default: 'ecs-tasks.amazonaws.com',
        Description: 'The AWS service that runs the container (ecs-tasks.amazonaws.com for ECS/Fargate).',
      },
    },
    Resources: {
      ShareGuardTable: table,
      BotRole: role('BotRoleName', 'shareguard itself', {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: { Ref: 'BotService' } }, Action: 'sts:AssumeRole' },
        ],
      }),
      BotPolicy: managedPolicy('shareguard: assume its roles, its table', botPolicy, [{ Ref: 'BotRole' }]),
    },
    Outputs: {
      BotRoleArn: { Value: { 'Fn::GetAtt': ['BotRole', 'Arn'] } },
      TableArn: { Value: { 'Fn::GetAtt': ['ShareGuardTable', 'Arn'] } },
    },
  };
}

/** The three templates for a config (without one: every kind, every rung, discovery, no guard). */
export function cloudFormationTemplates(config?: Config): Record<TemplateName, Template> {
  const kinds = config?.kinds ?? [...RESOURCE_KINDS];
  return {
    'member-account': memberAccount(config, kinds),
    'management-account': managementAccount(config),
    'shareguard-home': homeAccount(config),
  };
}
