/**
 * The runners' credential hashes as last read from the store, so that authenticating a runner call
 * (every report, heartbeat, fence, log chunk) does not queue a store read. One API process owns the
 * store, and every change of a hash goes through registration or an operator's reset, which forget the
 * entry inside their transaction and again after it: a verify never accepts a hash the store no longer
 * holds. Kept per store object (tests open many stores in one process).
 */
const byStore = new WeakMap<object, Map<number, string | null>>();
const MAX_ENTRIES = 10_000;

function mapOf(store: object): Map<number, string | null> {
  let m = byStore.get(store);
  if (!m) byStore.set(store, (m = new Map()));
  return m;
}

export function cachedCredentialHash(store: object, runnerId: number): string | null | undefined {
  return byStore.get(store)?.get(runnerId);
}

export function rememberCredentialHash(store: object, runnerId: number, hash: string | null): void {
  const m = mapOf(store);
  if (m.size >= MAX_ENTRIES) m.clear();
  m.set(runnerId, hash);
}

export function forgetCredentialHash(store: object, runnerId: number): void {
  byStore.get(store)?.delete(runnerId);
}
