import type { Rng } from '../../simulator/random'

/**
 * Structural mutators over an OTLP/JSON document (a copy of a real Claude Code request). Each one
 * changes the document in place and returns a short name of what it did, for the report.
 */

type Obj = Record<string, unknown>
type Slot = { parent: Obj | unknown[]; key: string | number; value: unknown }

/** Every (parent, key) slot of the document, found iteratively. */
export function slots(root: unknown): Slot[] {
  const out: Slot[] = []
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    if (Array.isArray(node)) {
      node.forEach((value, key) => {
        out.push({ parent: node, key, value })
        if (value !== null && typeof value === 'object') stack.push(value)
      })
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Obj)) {
        out.push({ parent: node as Obj, key, value })
        if (value !== null && typeof value === 'object') stack.push(value)
      }
    }
  }
  return out
}

function set(slot: Slot, value: unknown): void {
  ;(slot.parent as Record<string | number, unknown>)[slot.key] = value
}

/** Attribute lists (arrays under an `attributes` key) of the document. */
function attributeLists(root: unknown): unknown[][] {
  return slots(root)
    .filter((s) => s.key === 'attributes' && Array.isArray(s.value))
    .map((s) => s.value as unknown[])
}

/** Values that are wrong for most fields: other types, non-finite and out-of-range numbers. */
export const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  -0.000001,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1',
  '18446744073709551616',
  '99999999999999999999',
  '',
  'not a number',
  '\ud800',
  [],
  {},
  [1, 2, 3],
  { stringValue: 1 },
  { intValue: 'x' },
]

/** Numbers spelled in JSON text that JSON.stringify cannot produce (spliced in as raw text). */
export const RAW_NUMBERS = ['1e309', '-1e309', '1e-400', '-0', '123456789012345678901234567890', '0.1e1', '1E+2']

export const FAR_TIMESTAMPS = ['0', '1', '1000000000', '18446744073709551615', '99999999999999999999', '9223372036854775807', '9223372036854775808']

export type JsonMutator = (doc: Obj, rng: Rng) => string

const drop: JsonMutator = (doc, rng) => {
  const all = slots(doc)
  if (all.length === 0) return 'drop:none'
  const s = rng.pick(all)
  if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1)
  else delete s.parent[s.key as string]
  return `drop:${String(s.key)}`
}

const wrongType: JsonMutator = (doc, rng) => {
  const all = slots(doc)
  if (all.length === 0) return 'wrong-type:none'
  const s = rng.pick(all)
  set(s, rng.pick(HOSTILE_VALUES))
  return `wrong-type:${String(s.key)}`
}

/** A number somewhere (a cost, a token count, a data point) becomes a hostile one. */
const hostileNumber: JsonMutator = (doc, rng) => {
  const numeric = slots(doc).filter(
    (s) =>
      typeof s.value === 'number' ||
      (typeof s.value === 'string' && /^-?\d+(\.\d+)?$/.test(s.value)) ||
      s.key === 'asDouble' ||
      s.key === 'doubleValue' ||
      s.key === 'intValue',
  )
  if (numeric.length === 0) return 'number:none'
  const s = rng.pick(numeric)
  set(s, rng.pick([Number.NaN, Infinity, -Infinity, -1, -0.5, 1e308, 1e20, 1.5, 'NaN', 'Infinity', '-1', '1e309', '-0.01', 2 ** 64]))
  return `number:${String(s.key)}`
}

const timestamp: JsonMutator = (doc, rng) => {
  const times = slots(doc).filter((s) => typeof s.key === 'string' && /UnixNano$/.test(s.key))
  if (times.length === 0) return 'timestamp:none'
  const s = rng.pick(times)
  const now = BigInt(Date.now()) * 1_000_000n
  const year = 365n * 86_400_000_000_000n
  set(
    s,
    rng.pick([
      ...FAR_TIMESTAMPS,
      String(now + 10n * year),
      String(now - 200n * year > 0n ? now - 200n * year : 1n),
      String(now + 3n * 86_400_000_000_000n),
      -5,
      1.5,
      'soon',
    ]),
  )
  return `timestamp:${String(s.key)}`
}

const hugeString: JsonMutator = (doc, rng) => {
  const strings = slots(doc).filter((s) => typeof s.value === 'string')
  if (strings.length === 0) return 'huge-string:none'
  const s = rng.pick(strings)
  const unit = rng.pick(['x', 'é', '漢', '😀', '\u0000', '\\'])
  set(s, unit.repeat(rng.int(17_000, 120_000))) // past the 64 KiB default for most units
  return `huge-string:${String(s.key)}`
}

const hugeArray: JsonMutator = (doc, rng) => {
  const lists = attributeLists(doc).filter((l) => l.length > 0)
  if (lists.length === 0) return 'huge-array:none'
  const list = rng.pick(lists)
  const n = rng.int(130, 3_000)
  const template = list.slice()
  for (let i = 0; i < n; i++) list.push({ ...(template[i % template.length] as Obj), key: `k${i}` })
  return 'huge-array:attributes'
}

/** Deep nesting inside one attribute value. */
const deep: JsonMutator = (doc, rng) => {
  const lists = attributeLists(doc)
  if (lists.length === 0) return 'deep:none'
  let value: Obj = { stringValue: 'bottom' }
  const depth = rng.pick([33, 64, 200, 800]) // deeper: see TEXT_MUTATORS.deepText and BYTE_MUTATORS.deepWire
  for (let i = 0; i < depth; i++) value = rng.chance(0.5) ? { arrayValue: { values: [value] } } : { kvlistValue: { values: [{ key: `l${i}`, value }] } }
  rng.pick(lists).push({ key: 'deep', value })
  return `deep:${depth}`
}

const duplicateRecords: JsonMutator = (doc, rng) => {
  const lists = slots(doc).filter((s) => (s.key === 'logRecords' || s.key === 'dataPoints' || s.key === 'spans') && Array.isArray(s.value))
  if (lists.length === 0) return 'duplicate:none'
  const list = rng.pick(lists).value as unknown[]
  const copies = rng.int(1, 8)
  const template = list.slice()
  for (let i = 0; i < copies; i++) list.push(...template)
  return 'duplicate-records'
}

const swapSubtrees: JsonMutator = (doc, rng) => {
  const objects = slots(doc).filter((s) => s.value !== null && typeof s.value === 'object')
  if (objects.length < 2) return 'swap:none'
  const a = rng.pick(objects)
  const b = rng.pick(objects)
  set(a, structuredClone(b.value))
  return `swap:${String(a.key)}<-${String(b.key)}`
}

/** The mutators with their weights: the costly ones (big bodies) less often. */
export const JSON_MUTATORS: ReadonlyArray<readonly [readonly [string, JsonMutator], number]> = [
  [['drop', drop], 6],
  [['wrongType', wrongType], 6],
  [['hostileNumber', hostileNumber], 6],
  [['timestamp', timestamp], 5],
  [['swapSubtrees', swapSubtrees], 3],
  [['deep', deep], 2],
  [['hugeString', hugeString], 1],
  [['hugeArray', hugeArray], 1],
  [['duplicateRecords', duplicateRecords], 1],
]

export type TextMutator = (text: string, rng: Rng) => { text: string; name: string } | { bytes: Buffer; name: string }

/** Mutations of the JSON text itself: what JSON.stringify never writes. */
export const TEXT_MUTATORS: Record<string, TextMutator> = {
  truncate: (text, rng) => ({ text: text.slice(0, rng.int(0, text.length - 1)), name: 'text:truncate' }),
  rawNumber: (text, rng) => {
    const matches = [...text.matchAll(/:(-?\d+(\.\d+)?([eE][-+]?\d+)?)(?=[,}\]])/g)]
    const m = matches.length > 0 ? rng.pick(matches) : undefined
    if (!m || m.index === undefined) return { text, name: 'text:raw-number:none' }
    return { text: `${text.slice(0, m.index + 1)}${rng.pick(RAW_NUMBERS)}${text.slice(m.index + m[0].length)}`, name: 'text:raw-number' }
  },
  duplicateKey: (text, rng) => {
    const key = rng.pick(['"timeUnixNano":', '"stringValue":', '"key":', '"asDouble":', '"doubleValue":', '"resourceLogs":', '"attributes":'])
    const value = rng.pick(['"1",', '"-1",', 'null,', '[],', '{},', '"x",', '1e309,'])
    return { text: text.split(key).join(`${key}${value}${key}`), name: `text:duplicate-key` }
  },
  invalidUtf8: (text, rng) => {
    const bytes = Buffer.from(text, 'utf8')
    const quotes = [...bytes.keys()].filter((i) => bytes[i] === 0x22)
    const at = quotes.length > 0 ? rng.pick(quotes) + 1 : 0
    const junk = Buffer.from(Array.from({ length: rng.int(1, 8) }, () => rng.pick([0x80, 0xbf, 0xc0, 0xc1, 0xe0, 0xed, 0xf5, 0xff, 0xfe])))
    return { bytes: Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]), name: 'text:invalid-utf8' }
  },
  loneSurrogate: (text, rng) => {
    const at = text.indexOf('"stringValue":"')
    if (at < 0) return { text, name: 'text:surrogate:none' }
    const p = at + '"stringValue":"'.length
    return { text: `${text.slice(0, p)}${rng.pick(['\\ud800', '\\udfff', '\\ud83d', '\\u0000'])}${text.slice(p)}`, name: 'text:lone-surrogate' }
  },
  deepText: (_text, rng) => {
    const n = rng.pick([10_000, 100_000])
    return { text: `{"resourceLogs":${'['.repeat(n)}${']'.repeat(n)}}`, name: `text:deep-arrays-${n}` }
  },
  garbage: (_text, rng) => ({ bytes: Buffer.from(Array.from({ length: rng.int(0, 2000) }, () => rng.int(0, 255))), name: 'text:garbage' }),
}
