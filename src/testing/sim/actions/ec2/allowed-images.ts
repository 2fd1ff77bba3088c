// Allowed AMIs settings per account and region (docs/aws.md "Allowed AMIs").
import { SimError } from '../../protocol/errors.ts';
import { el, esc, itemSet, wrap } from '../../protocol/xml.ts';
import type { ImageCriterion } from '../../state.ts';
import { describe, mutate, RETURN_TRUE } from './shared.ts';
import { ACCOUNT_ID, dryRunGate, invalidValue, required, type ActionDef, type Ctx } from '../common.ts';

// ---- Allowed AMIs --------------------------------------------------------------------------

function renderCriterion(c: ImageCriterion): string {
  const set = (name: string, values: string[] | undefined) =>
    values?.length ? itemSet(name, values, (v) => esc(v)) : '';
  return (
    set('imageProviderSet', c.imageProviders) +
    set('marketplaceProductCodeSet', c.marketplaceProductCodes) +
    set('imageNameSet', c.imageNames) +
    (c.deprecationTimeCondition
      ? wrap(
          'deprecationTimeCondition',
          el('maximumDaysSinceDeprecated', c.deprecationTimeCondition.maximumDaysSinceDeprecated),
        )
      : '') +
    (c.creationDateCondition
      ? wrap(
          'creationDateCondition',
          el('maximumDaysSinceCreated', c.creationDateCondition.maximumDaysSinceCreated),
        )
      : '')
  );
}

function getAllowedImagesSettings(ctx: Ctx): string {
  dryRunGate(ctx);
  const s = ctx.state.allowedSettings(ctx.account.id, ctx.region);
  return (
    el('state', s.state) +
    (s.criteria.length ? itemSet('imageCriterionSet', s.criteria, renderCriterion) : '') +
    el('managedBy', s.managedBy)
  );
}

function changeableSettings(ctx: Ctx) {
  const s = ctx.state.allowedSettings(ctx.account.id, ctx.region);
  if (s.managedBy === 'declarative-policy') {
    throw new SimError(
      'OperationNotPermitted',
      'Allowed AMIs settings are managed by a declarative policy and cannot be changed by the account.',
    );
  }
  return s;
}

function enableAllowedImagesSettings(ctx: Ctx): string {
  const want = required(ctx.params, 'AllowedImagesSettingsState');
  if (want !== 'enabled' && want !== 'audit-mode') {
    throw invalidValue(`Value (${want}) for parameter AllowedImagesSettingsState is invalid.`);
  }
  const s = changeableSettings(ctx);
  dryRunGate(ctx);
  ctx.state.setAllowedSettings(ctx.account.id, ctx.region, { ...s, state: want });
  return el('allowedImagesSettingsState', want);
}

function disableAllowedImagesSettings(ctx: Ctx): string {
  const s = changeableSettings(ctx);
  dryRunGate(ctx);
  ctx.state.setAllowedSettings(ctx.account.id, ctx.region, { ...s, state: 'disabled' });
  return el('allowedImagesSettingsState', 'disabled');
}

const PROVIDER_WORDS = new Set(['amazon', 'aws-marketplace', 'aws-backup-vault', 'none']);

function replaceImageCriteria(ctx: Ctx): string {
  const members = ctx.params.members('ImageCriterion');
  if (members.length > 10) throw invalidValue('At most 10 image criteria are allowed.');
  const criteria: ImageCriterion[] = members.map((m) => {
    const c: ImageCriterion = {};
    const providers = m.list('ImageProvider');
    if (providers.length > 200) throw invalidValue('At most 200 image providers are allowed in a criterion.');
    for (const v of providers) {
      if (!ACCOUNT_ID.test(v) && !PROVIDER_WORDS.has(v)) throw invalidValue(`Invalid image provider: ${v}`);
    }
    if (providers.includes('none') && providers.length > 1) {
      throw invalidValue('The image provider "none" cannot be combined with other providers.');
    }
    if (providers.length) c.imageProviders = providers;
    const names = m.list('ImageName');
    if (names.length > 50) throw invalidValue('At most 50 image names are allowed in a criterion.');
    if (names.length) c.imageNames = names;
    const codes = m.list('MarketplaceProductCode');
    if (codes.length > 50)
      throw invalidValue('At most 50 marketplace product codes are allowed in a criterion.');
    if (codes.length) c.marketplaceProductCodes = codes;
    const created = m.get('CreationDateCondition.MaximumDaysSinceCreated');
    if (created !== undefined) c.creationDateCondition = { maximumDaysSinceCreated: dayCount(created) };
    const deprecated = m.get('DeprecationTimeCondition.MaximumDaysSinceDeprecated');
    if (deprecated !== undefined)
      c.deprecationTimeCondition = { maximumDaysSinceDeprecated: dayCount(deprecated) };
    if (Object.keys(c).length === 0)
      throw invalidValue('An image criterion must specify at least one condition.');
    return c;
  });
  const s = changeableSettings(ctx);
  dryRunGate(ctx);
  ctx.state.setAllowedSettings(ctx.account.id, ctx.region, { ...s, criteria });
  return RETURN_TRUE;
}

function dayCount(v: string): number {
  if (!/^\d+$/.test(v)) throw invalidValue(`Invalid number of days: ${v}`);
  return Number(v);
}

export const ALLOWED_IMAGES_ACTIONS: Record<string, ActionDef> = {
  GetAllowedImagesSettings: { run: getAllowedImagesSettings, category: describe },
  EnableAllowedImagesSettings: { run: enableAllowedImagesSettings, category: mutate },
  DisableAllowedImagesSettings: { run: disableAllowedImagesSettings, category: mutate },
  ReplaceImageCriteriaInAllowedImagesSettings: { run: replaceImageCriteria, category: mutate },
};
