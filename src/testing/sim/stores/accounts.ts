// The world's accounts as the server checks callers against them (regions, AssumeRole, org
// membership), their Allowed AMIs settings per region and their Recycle Bin rules.
import type { WorldAccount, WorldRecycleBinRule } from '../world.ts';
import type { IamStore } from './iam.ts';
import type { AccountRec, AllowedImagesSettings, ImageCriterion } from './records.ts';

export class AccountStore {
  private readonly recs = new Map<string, AccountRec>();
  private readonly world = new Map<string, WorldAccount>();
  private readonly allowed = new Map<string, AllowedImagesSettings>(); // account|region

  constructor(private readonly iam: IamStore) {}

  load(a: WorldAccount): void {
    this.world.set(a.id, a);
    this.recs.set(a.id, {
      id: a.id,
      name: a.name,
      regions: new Set(a.regions),
      assumeRole: a.assumeRole,
      organization: a.organization,
      ous: a.ous ?? [],
      listed: true,
    });
    for (const [region, s] of Object.entries(a.allowedAmis ?? {})) {
      const criteria: ImageCriterion[] = s.providers.length ? [{ imageProviders: [...s.providers] }] : [];
      if (s.criteria) criteria.push(...s.criteria);
      this.allowed.set(`${a.id}|${region}`, {
        state: s.state,
        criteria,
        managedBy: s.managedBy ?? 'account',
      });
    }
  }

  /** A homeAccount the world does not list: every region of the world, AssumeRole allowed. */
  ensureHome(id: string, regions: readonly string[]): void {
    if (this.recs.has(id)) return;
    this.recs.set(id, { id, regions: new Set(regions), assumeRole: 'allow', ous: [], listed: false });
  }

  rec(id: string): AccountRec | undefined {
    return this.recs.get(id);
  }

  all(): IterableIterator<AccountRec> {
    return this.recs.values();
  }

  allowedSettings(account: string, region: string): AllowedImagesSettings {
    return (
      this.allowed.get(`${account}|${region}`) ?? { state: 'disabled', criteria: [], managedBy: 'account' }
    );
  }

  setAllowedSettings(account: string, region: string, s: AllowedImagesSettings): void {
    this.allowed.set(`${account}|${region}`, s);
  }

  /** The account's retention rule for a resource type in a region, if any. */
  retentionRule(
    account: string,
    region: string,
    type: WorldRecycleBinRule['resourceType'],
  ): WorldRecycleBinRule | undefined {
    const rules = this.world.get(account)?.recycleBinRules ?? [];
    return rules.find((r) => r.resourceType === type && (!r.regions || r.regions.includes(region)));
  }

  view(id: string): WorldAccount | undefined {
    const w = this.world.get(id);
    return w && this.toWorldAccount(w);
  }

  toWorld(): WorldAccount[] {
    return [...this.world.values()].map((a) => this.toWorldAccount(a));
  }

  private toWorldAccount(w: WorldAccount): WorldAccount {
    const out: WorldAccount = { ...w, regions: [...w.regions] };
    delete out.roles;
    delete out.policies;
    Object.assign(out, this.iam.toWorld(w.id));
    const allowedAmis: NonNullable<WorldAccount['allowedAmis']> = {};
    for (const [key, s] of this.allowed) {
      const [acct, region] = key.split('|') as [string, string];
      if (acct !== w.id) continue;
      const providers =
        s.criteria.length === 1 && onlyProviders(s.criteria[0]!) ? s.criteria[0]!.imageProviders! : [];
      allowedAmis[region] = {
        state: s.state,
        providers: [...providers],
        ...(providers.length === 0 && s.criteria.length > 0 && { criteria: structuredClone(s.criteria) }),
        ...(s.managedBy !== 'account' && { managedBy: s.managedBy }),
      };
    }
    if (Object.keys(allowedAmis).length) out.allowedAmis = allowedAmis;
    else delete out.allowedAmis;
    return out;
  }
}

function onlyProviders(c: ImageCriterion): boolean {
  return (
    !!c.imageProviders?.length &&
    !c.imageNames &&
    !c.marketplaceProductCodes &&
    !c.creationDateCondition &&
    !c.deprecationTimeCondition
  );
}
