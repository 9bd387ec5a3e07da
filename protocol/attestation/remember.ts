/**
 * A bounded memo for the simulated vendors: deriving a chain or a chip key from seeded draws
 * costs milliseconds, and campaigns ask for the same ones again and again. The key is the
 * exact input (the draws), so a hit returns what `make` would have made. Oldest entry out first.
 */
export const SIM_CACHE_MAX = 64;

export function remember<T>(cache: Map<string, T>, key: string, make: () => T, max = SIM_CACHE_MAX): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = make();
  if (cache.size >= max) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}
