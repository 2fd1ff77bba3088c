// EC2 Image Builder (REST-JSON; issue 23): the acting account's image recipes in the request region,
// whose `parentImage` may name an AMI (docs/simulator.md "Launch templates, Auto Scaling, Image Builder").
import { SimError } from '../protocol/errors.ts';
import { recipeArn } from '../stores/launchers.ts';
import type { WorldImageRecipe } from '../world.ts';
import { decodeToken, encodeToken, type Ctx } from './common.ts';

export interface RestInput {
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export interface RestActionDef {
  method: 'GET' | 'POST';
  path: string;
  run(ctx: Ctx, input: RestInput): unknown;
}

const OWNERS = new Set(['Self', 'Shared', 'Amazon', 'ThirdParty', 'AWSMarketplace']);

function validation(message: string): SimError {
  return new SimError('InvalidRequestException', message, 400);
}

function created(): string {
  return '2025-01-01T00:00:00.000Z';
}

function listImageRecipes(ctx: Ctx, { body }: RestInput): unknown {
  const owner = body['owner'] ?? 'Self';
  if (typeof owner !== 'string' || !OWNERS.has(owner)) throw validation(`Invalid owner: ${String(owner)}`);
  const max = body['maxResults'] ?? 25;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 25)
    throw validation('maxResults must be between 1 and 25');
  if (body['filters'] !== undefined) throw validation('The simulator does not implement recipe filters');
  const token = body['nextToken'];
  const after = decodeToken(typeof token === 'string' ? token : undefined, 'InvalidPaginationTokenException');
  // Only own recipes exist in a world: other owners' lists are empty.
  const all = owner === 'Self' ? ctx.state.launchers.recipes.in(ctx.account.id, ctx.region) : [];
  const from = after === undefined ? 0 : all.findIndex((r) => recipeArn(r) > after);
  const start = from < 0 ? all.length : from;
  const page = all.slice(start, start + max);
  const more = start + page.length < all.length;
  return {
    requestId: 'sim',
    imageRecipeSummaryList: page.map((r) => ({
      arn: recipeArn(r),
      name: r.name,
      platform: 'Linux',
      owner: r.account,
      parentImage: r.parentImage,
      dateCreated: created(),
      tags: {},
    })),
    ...(more ? { nextToken: encodeToken(recipeArn(page.at(-1)!)) } : {}),
  };
}

function getImageRecipe(ctx: Ctx, { query }: RestInput): unknown {
  const arn = query.get('imageRecipeArn');
  if (!arn) throw validation('imageRecipeArn is required');
  const r: WorldImageRecipe | undefined = ctx.state.launchers.recipes
    .in(ctx.account.id, ctx.region)
    .find((x) => recipeArn(x) === arn);
  if (!r) throw new SimError('ResourceNotFoundException', `The image recipe ${arn} does not exist.`, 404);
  return {
    requestId: 'sim',
    imageRecipe: {
      arn,
      type: 'AMI',
      name: r.name,
      version: r.version,
      platform: 'Linux',
      owner: r.account,
      parentImage: r.parentImage,
      components: [],
      blockDeviceMappings: (r.blockDeviceSnapshotIds ?? []).map((snapshotId, i) => ({
        deviceName: `/dev/sd${String.fromCharCode(98 + i)}`,
        ebs: { snapshotId },
      })),
      dateCreated: created(),
      tags: {},
    },
  };
}

/** By operation name (what call counts and IAM action names use). */
export const IMAGEBUILDER_ACTIONS: Record<string, RestActionDef> = {
  ListImageRecipes: { method: 'POST', path: '/ListImageRecipes', run: listImageRecipes },
  GetImageRecipe: { method: 'GET', path: '/GetImageRecipe', run: getImageRecipe },
};
