// Secondary indexes from one id to the set of ids built on it (snapshot → images, image → instances).

export function addToSetMap(m: Map<string, Set<string>>, key: string, value: string): void {
  let s = m.get(key);
  if (!s) {
    s = new Set();
    m.set(key, s);
  }
  s.add(value);
}

export function deleteFromSetMap(m: Map<string, Set<string>>, key: string, value: string): void {
  const s = m.get(key);
  if (!s) return;
  s.delete(value);
  if (s.size === 0) m.delete(key);
}
