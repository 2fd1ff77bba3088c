// Requests received per action, account and region (throttled and failed ones included): what
// tests and benchmarks read through SimHandle.calls() and GET /_sim/calls.

export interface CallFilter {
  action?: string;
  account?: string;
  region?: string;
}

interface CallCount {
  action: string;
  account: string;
  region: string;
  n: number;
}

export class CallCounts {
  private readonly counts = new Map<string, CallCount>();

  total(filter: CallFilter = {}): number {
    let n = 0;
    for (const c of this.counts.values()) {
      if (filter.action !== undefined && c.action !== filter.action) continue;
      if (filter.account !== undefined && c.account !== filter.account) continue;
      if (filter.region !== undefined && c.region !== filter.region) continue;
      n += c.n;
    }
    return n;
  }

  count(action: string, account: string, region: string): void {
    const key = `${action}\u0000${account}\u0000${region}`;
    const c = this.counts.get(key);
    if (c) c.n++;
    else this.counts.set(key, { action, account, region, n: 1 });
  }
}
