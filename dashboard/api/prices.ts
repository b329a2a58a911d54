/**
 * List prices (USD per million tokens, which is micro-dollars per token) for the figures ccscope derives
 * itself: cache savings (what the cache-read tokens would have cost as plain input minus what they cost),
 * and, in the reconciliation, what a bill's tokens come to at these prices (a check for price drift,
 * docs/finance.md). Cost itself is never computed here: it is what Claude Code reports. A model missing from
 * this table contributes 0 savings and no price check; add it here when a fleet starts using it.
 * claude-opus-5-5's prices are those the real CLI applied in the captured fixtures (simulator/catalog.ts).
 */
export interface ListPrice {
  input: number
  output: number
  cacheRead: number
  /** Cache writes (5-minute cache), which Claude Code and the Admin API call cache creation. */
  cacheWrite: number
}

export const PRICES_PER_MTOK: Record<string, ListPrice> = {
  'claude-opus-5-5': { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 },
  'claude-opus-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-sonnet-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'claude-opus-4-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-opus-4-1': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'claude-sonnet-4-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
}

/** Saving per cache-read token, per model: typed query parameters for `transform(model, …)`. */
export function cacheSavingParams(): { priceModels: string[]; priceSavings: number[] } {
  const entries = Object.entries(PRICES_PER_MTOK)
  return {
    priceModels: entries.map(([model]) => model),
    priceSavings: entries.map(([, p]) => (p.input - p.cacheRead) / 1e6),
  }
}

export interface TokenCounts {
  input: number
  output: number
  cacheRead: number
  cacheCreation: number
}

/** What these tokens of a model cost at the list prices above, in micro-dollars (rounded); null for a model the table lacks. */
export function listPriceMicros(model: string, tokens: TokenCounts): number | null {
  const price = PRICES_PER_MTOK[model]
  if (!price) return null
  return Math.round(tokens.input * price.input + tokens.output * price.output + tokens.cacheRead * price.cacheRead + tokens.cacheCreation * price.cacheWrite)
}
