/**
 * The demo's marker file (demo.json in its data directory): which fleet and period the data directory
 * holds, and how far its history got. Written atomically (a temporary file renamed into place) before
 * and after each window, so that a start after a crash knows which window may be half-written.
 */
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

const fleet = {
  users: z.number().int().positive(),
  days: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  /** End of the history (exclusive); the live part starts here. */
  end: z.iso.datetime(),
}

const markerSchema = z.object({
  version: z.literal(2),
  ...fleet,
  state: z.enum(['loading', 'complete']),
  /** Windows written in full (simulator/backfill.ts windowKey). */
  done: z.array(z.string()),
  /** The window being written: half-written if the process died meanwhile. */
  current: z.string().optional(),
  loadedAt: z.iso.datetime().optional(),
  summary: z.object({ events: z.number().int(), metricPoints: z.number().int(), seconds: z.number() }).optional(),
})
export type DemoMarker = z.infer<typeof markerSchema>

/** The marker the demo wrote before the backfill (its month was sent through OTLP, oldest first). */
const legacySchema = z.object({ ...fleet, state: z.enum(['loading', 'complete']) })
export type LegacyMarker = z.infer<typeof legacySchema>

export type ReadMarker =
  | { kind: 'current'; marker: DemoMarker }
  | { kind: 'legacy'; marker: LegacyMarker }
  | { kind: 'none' }
  | { kind: 'unreadable'; reason: string }

export function markerFile(dataDir: string): string {
  return path.join(dataDir, 'demo.json')
}

export function readMarker(dataDir: string): ReadMarker {
  let text: string
  try {
    text = fs.readFileSync(markerFile(dataDir), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' }
    return { kind: 'unreadable', reason: (error as Error).message }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message }
  }
  const current = markerSchema.safeParse(json)
  if (current.success) return { kind: 'current', marker: current.data }
  const legacy = legacySchema.safeParse(json)
  if (legacy.success) return { kind: 'legacy', marker: legacy.data }
  return { kind: 'unreadable', reason: current.error.issues[0]?.message ?? 'unexpected content' }
}

export function writeMarker(dataDir: string, marker: DemoMarker): void {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = markerFile(dataDir)
  const temp = `${file}.tmp`
  const fd = fs.openSync(temp, 'w')
  try {
    fs.writeSync(fd, `${JSON.stringify(marker, null, 2)}\n`)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(temp, file)
}
