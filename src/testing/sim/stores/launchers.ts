// What else launches from an AMI or a snapshot (issue 23): launch templates, Auto Scaling groups and
// their legacy launch configurations, EC2 Image Builder recipes, and the SSM parameters a template's
// `resolve:ssm:` image id names. All are an account's resources in one region, answered per
// account-region in a stable order (by id or name) so paging by "after the last key" is sound.
import type {
  WorldAutoScalingGroup,
  WorldImageRecipe,
  WorldLaunchConfiguration,
  WorldLaunchTemplate,
  WorldSsmParameter,
} from '../world.ts';

class PerAccountRegion<T> {
  private readonly byPlace = new Map<string, T[]>();
  private sorted = true;

  constructor(private readonly keyOf: (x: T) => string) {}

  add(account: string, region: string, x: T): void {
    const key = `${account}|${region}`;
    let list = this.byPlace.get(key);
    if (!list) this.byPlace.set(key, (list = []));
    list.push(x);
    this.sorted = false;
  }

  /** The account-region's records in key order. */
  in(account: string, region: string): readonly T[] {
    if (!this.sorted) {
      for (const list of this.byPlace.values())
        list.sort((a, b) => (this.keyOf(a) < this.keyOf(b) ? -1 : this.keyOf(a) > this.keyOf(b) ? 1 : 0));
      this.sorted = true;
    }
    return this.byPlace.get(`${account}|${region}`) ?? [];
  }

  all(): T[] {
    return [...this.byPlace.values()].flat();
  }
}

export class LaunchStore {
  readonly templates = new PerAccountRegion<WorldLaunchTemplate>((t) => t.id);
  readonly groups = new PerAccountRegion<WorldAutoScalingGroup>((g) => g.name);
  readonly configurations = new PerAccountRegion<WorldLaunchConfiguration>((c) => c.name);
  readonly recipes = new PerAccountRegion<WorldImageRecipe>((r) => recipeArn(r));
  private readonly parameters = new Map<string, string>();

  load(w: {
    launchTemplates?: WorldLaunchTemplate[];
    autoScalingGroups?: WorldAutoScalingGroup[];
    launchConfigurations?: WorldLaunchConfiguration[];
    imageRecipes?: WorldImageRecipe[];
    ssmParameters?: WorldSsmParameter[];
  }): void {
    for (const t of w.launchTemplates ?? []) this.templates.add(t.account, t.region, structuredClone(t));
    for (const g of w.autoScalingGroups ?? []) this.groups.add(g.account, g.region, structuredClone(g));
    for (const c of w.launchConfigurations ?? [])
      this.configurations.add(c.account, c.region, structuredClone(c));
    for (const r of w.imageRecipes ?? []) this.recipes.add(r.account, r.region, structuredClone(r));
    for (const p of w.ssmParameters ?? []) this.parameters.set(`${p.account}|${p.region}|${p.name}`, p.value);
  }

  /** The value of an SSM parameter of the account-region, if the world has it. */
  parameter(account: string, region: string, name: string): string | undefined {
    return this.parameters.get(`${account}|${region}|${name}`);
  }

  /** The world-file fields, only those the world has. */
  toWorld(): {
    launchTemplates?: WorldLaunchTemplate[];
    autoScalingGroups?: WorldAutoScalingGroup[];
    launchConfigurations?: WorldLaunchConfiguration[];
    imageRecipes?: WorldImageRecipe[];
    ssmParameters?: WorldSsmParameter[];
  } {
    const out: ReturnType<LaunchStore['toWorld']> = {};
    const lts = this.templates.all();
    if (lts.length) out.launchTemplates = structuredClone(lts);
    const groups = this.groups.all();
    if (groups.length) out.autoScalingGroups = structuredClone(groups);
    const lcs = this.configurations.all();
    if (lcs.length) out.launchConfigurations = structuredClone(lcs);
    const recipes = this.recipes.all();
    if (recipes.length) out.imageRecipes = structuredClone(recipes);
    if (this.parameters.size)
      out.ssmParameters = [...this.parameters].map(([key, value]) => {
        const [account, region, ...name] = key.split('|');
        return { account: account!, region: region!, name: name.join('|'), value };
      });
    return out;
  }
}

/** `arn:aws:imagebuilder:REGION:ACCOUNT:image-recipe/NAME/VERSION` (names are lower-cased in ARNs). */
export function recipeArn(r: Pick<WorldImageRecipe, 'region' | 'account' | 'name' | 'version'>): string {
  return `arn:aws:imagebuilder:${r.region}:${r.account}:image-recipe/${r.name.toLowerCase()}/${r.version}`;
}
