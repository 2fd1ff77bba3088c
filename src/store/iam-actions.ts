/**
 * The DynamoDB actions the store sends (docs/store.md "IAM"), for the bot's own policy
 * (`shareguard iam-policy --for bot`) and the home account's template. `test/aws/bot-policy.test.ts`
 * derives the commands from the store's code, so a new store call cannot be left out.
 */
export const STORE_RUNTIME_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/**
 * What `shareguard store init` calls (src/store/table.ts): create the table, wait for it, turn on
 * point-in-time recovery. Not the bot's: the operator's, or CloudFormation's in the home template.
 */
export const STORE_INIT_ACTIONS = [
  'dynamodb:CreateTable',
  'dynamodb:DescribeContinuousBackups',
  'dynamodb:DescribeTable',
  'dynamodb:UpdateContinuousBackups',
] as const;

/** The table's ARN and its indexes' (`<table>/index/*`): the exact resources of the store's actions. */
export function tableArns(partition: string, region: string, account: string, tableName: string): string[] {
  const table = `arn:${partition}:dynamodb:${region}:${account}:table/${tableName}`;
  return [table, `${table}/index/*`];
}
