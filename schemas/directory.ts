import { z } from 'zod'
import { PRINTABLE } from './text'

/**
 * The people directory an admin loads, as JSON (an array of entries, or { entries: [...] }) or CSV with the
 * header user,display_name,team,department,cost_center,seat. `user` is the identity ccscope resolves:
 * the email when Claude Code sends one, else the enduser.id resource attribute, else the account uuid or user.id.
 */

const text = (max: number) => z.string().trim().max(max)

const seatSchema = z
  .union([z.boolean(), z.enum(['true', 'false', 'yes', 'no', '1', '0', 'TRUE', 'FALSE', 'Yes', 'No', ''])], {
    error: 'must be yes or no (true/false, 1/0, or empty for no)',
  })
  .transform((v) => v === true || v === 'true' || v === 'TRUE' || v === 'yes' || v === 'Yes' || v === '1')

export const directoryEntrySchema = z.strictObject({
  user: text(320).min(1, 'must not be empty').regex(PRINTABLE, 'must be printable text'),
  displayName: text(200).default(''),
  team: text(128).default(''),
  department: text(128).default(''),
  costCenter: text(128).default(''),
  manager: text(320)
    .refine((v) => v === '' || PRINTABLE.test(v), 'must be printable text')
    .default('')
    .meta({ description: "The person's manager: their email (or the id Claude Code sends)." }),
  seat: seatSchema.default(false),
})
export type DirectoryEntry = z.output<typeof directoryEntrySchema>

export const MAX_DIRECTORY_ENTRIES = 200_000

/** The JSON body: { entries: [...] }. A bare array is accepted too (see toDirectoryBody). */
export const directoryBodySchema = z
  .strictObject({ entries: z.array(directoryEntrySchema).max(MAX_DIRECTORY_ENTRIES) })
  .superRefine(({ entries }, ctx) => {
    const seen = new Set<string>()
    entries.forEach((e, i) => {
      if (seen.has(e.user)) ctx.addIssue({ code: 'custom', path: ['entries', i, 'user'], message: `${e.user} appears twice` })
      seen.add(e.user)
    })
  })
  .transform(({ entries }) => entries)

export function toDirectoryBody(raw: unknown): unknown {
  return Array.isArray(raw) ? { entries: raw } : raw
}

/** CSV header → entry field. */
export const DIRECTORY_CSV_COLUMNS = {
  user: 'user',
  display_name: 'displayName',
  team: 'team',
  department: 'department',
  cost_center: 'costCenter',
  manager: 'manager',
  seat: 'seat',
} as const

export const directoryResponseSchema = z.object({
  loadedAt: z.string().nullable(),
  entries: z.array(
    z.object({
      user: z.string(),
      displayName: z.string(),
      team: z.string(),
      department: z.string(),
      costCenter: z.string(),
      manager: z.string(),
      seat: z.boolean(),
    }),
  ),
})
export type DirectoryResponse = z.infer<typeof directoryResponseSchema>

export const directoryLoadResponseSchema = z.object({ loaded: z.number().int(), seats: z.number().int(), loadedAt: z.string() })

/** One person's entry, edited on its own (PUT /api/v1/directory/entries/{user}): the fields after the user. */
export const directoryEntryBodySchema = directoryEntrySchema.omit({ user: true })
export const directoryEntryPathSchema = z.strictObject({ user: text(320).min(1).regex(PRINTABLE, 'must be printable text') })
export const directoryEntryResponseSchema = z.object({ entries: z.number().int(), loadedAt: z.string() })
