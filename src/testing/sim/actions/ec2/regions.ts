// DescribeRegions: the acting account's regions, opt-in status as AWS reports it.
import { el, itemSet } from '../../protocol/xml.ts';
import { describe } from './shared.ts';
import { dryRunGate, ec2Filters, filterPredicate, type ActionDef, type Ctx } from '../common.ts';

// AWS regions that are opt-in: enabled ones report "opted-in", the rest "opt-in-not-required".
const OPT_IN_REGIONS = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
]);

// ---- regions -------------------------------------------------------------------------------

function describeRegions(ctx: Ctx): string {
  const { state, account: a, params: p } = ctx;
  const names = p.list('RegionName');
  const all = p.get('AllRegions')?.toLowerCase() === 'true';
  type RegionRow = { name: string; status: string };
  const matchFilters = filterPredicate<RegionRow>(ec2Filters(p), {
    'region-name': (x) => x.name,
    endpoint: (x) => `ec2.${x.name}.amazonaws.com`,
    'opt-in-status': (x) => x.status,
  });
  dryRunGate(ctx);
  const candidates = new Set(a.regions);
  if (all) for (const r of state.worldRegions) candidates.add(r);
  const rows: RegionRow[] = [...candidates]
    .sort()
    .filter((name) => !names.length || names.includes(name))
    .map((name) => ({
      name,
      status: a.regions.has(name)
        ? OPT_IN_REGIONS.has(name)
          ? 'opted-in'
          : 'opt-in-not-required'
        : 'not-opted-in',
    }))
    .filter(matchFilters);
  return itemSet(
    'regionInfo',
    rows,
    (x) =>
      el('regionName', x.name) +
      el('regionEndpoint', `ec2.${x.name}.amazonaws.com`) +
      el('optInStatus', x.status),
  );
}

export const REGION_ACTIONS: Record<string, ActionDef> = {
  DescribeRegions: { run: describeRegions, category: describe },
};
