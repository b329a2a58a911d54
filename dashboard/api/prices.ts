/**
 * List prices (USD per million tokens) used for one derived figure: cache savings, i.e. what the
 * cache-read tokens would have cost as plain input minus what they cost. Cost itself is never computed
 * here: it is what Claude Code reports. A model missing from this table contributes 0 savings; add it
 * here when a fleet starts using it.
 */
export const PRICES_PER_MTOK: Record<string, { input: number; cacheRead: number }> = {
  'claude-opus-5-5': { input: 4, cacheRead: 0.2 },
  'claude-opus-5': { input: 5, cacheRead: 0.5 },
  'claude-sonnet-5': { input: 3, cacheRead: 0.3 },
  'claude-haiku-5': { input: 1, cacheRead: 0.1 },
  'claude-opus-4-5': { input: 5, cacheRead: 0.5 },
  'claude-opus-4-1': { input: 15, cacheRead: 1.5 },
  'claude-sonnet-4-5': { input: 3, cacheRead: 0.3 },
  'claude-haiku-4-5': { input: 1, cacheRead: 0.1 },
}

/** Saving per cache-read token, per model: typed query parameters for `transform(model, …)`. */
export function cacheSavingParams(): { priceModels: string[]; priceSavings: number[] } {
  const entries = Object.entries(PRICES_PER_MTOK)
  return {
    priceModels: entries.map(([model]) => model),
    priceSavings: entries.map(([, p]) => (p.input - p.cacheRead) / 1e6),
  }
}
