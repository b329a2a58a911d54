import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { tokenDigest, matchToken } from '../../../runtime/tokens'
import { roleSchema, type Role } from '../../../schemas/auth'
import { isPasswordHash } from './passwords'

/**
 * The users file (CCSCOPE_USERS_FILE, default <data dir>/users.json): local users with their password
 * hashes and API tokens with their SHA-256 digests. Written by `npm run users` (mode 0600), read by
 * the API, which re-reads it when it changes, so a user or token added or removed applies at once.
 */

const nameSchema = z.string().trim().min(1).max(200)
const teamsSchema = z.array(z.string().trim().min(1).max(200)).default([])

export const userEntrySchema = z.object({
  name: nameSchema,
  role: roleSchema,
  teams: teamsSchema,
  /** Absent for users who only sign in through the SSO proxy. */
  passwordHash: z.string().refine(isPasswordHash, 'must be a scrypt hash written by npm run users').optional(),
})
export type UserEntry = z.infer<typeof userEntrySchema>

export const tokenEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9]{8}$/),
  label: z.string().max(200).default(''),
  role: roleSchema,
  teams: teamsSchema,
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string(),
})
export type TokenEntry = z.infer<typeof tokenEntrySchema>

export const usersFileSchema = z.object({
  users: z.array(userEntrySchema).default([]),
  tokens: z.array(tokenEntrySchema).default([]),
})
export type UsersFile = z.infer<typeof usersFileSchema>

export class UsersFileError extends Error {
  constructor(file: string, reason: string) {
    super(`users file ${file}: ${reason}`)
    this.name = 'UsersFileError'
  }
}

/** The file's content; an absent file is an empty one. */
export function readUsersFile(file: string): UsersFile {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { users: [], tokens: [] }
    throw new UsersFileError(file, (error as Error).message)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsersFileError(file, `not JSON: ${(error as Error).message}`)
  }
  const parsed = usersFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UsersFileError(file, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`)
  }
  const names = new Set<string>()
  for (const user of parsed.data.users) {
    if (names.has(user.name)) throw new UsersFileError(file, `user ${user.name} is listed twice`)
    names.add(user.name)
  }
  return parsed.data
}

/** Writes the file atomically (temporary file, then rename), readable by its owner only. */
export function writeUsersFile(file: string, data: UsersFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, `${JSON.stringify(usersFileSchema.parse(data), null, 2)}\n`, { mode: 0o600 })
  fs.chmodSync(temporary, 0o600)
  fs.renameSync(temporary, file)
}

/** A new API token (shown once) and the entry that stores only its digest. */
export function mintToken(role: Role, teams: string[], label: string): { token: string; entry: TokenEntry } {
  const id = crypto.randomBytes(4).toString('hex')
  const token = `ccs_${id}_${crypto.randomBytes(32).toString('base64url')}`
  return { token, entry: { id, label, role, teams, tokenHash: tokenDigest(token).toString('hex'), created: new Date().toISOString() } }
}

/**
 * The users file as the API sees it: re-read when its modification time or size changes. A file that
 * turns invalid while ccscope runs keeps the last good content (and the error is reported once).
 */
export class UserStore {
  private data: UsersFile
  private stamp: string

  constructor(
    readonly file: string,
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.stamp = this.currentStamp()
    this.data = readUsersFile(file)
  }

  private currentStamp(): string {
    try {
      const stat = fs.statSync(this.file)
      return `${stat.mtimeMs}:${stat.size}:${stat.ino}`
    } catch {
      return 'absent'
    }
  }

  current(): UsersFile {
    const stamp = this.currentStamp()
    if (stamp !== this.stamp) {
      this.stamp = stamp
      try {
        this.data = readUsersFile(this.file)
      } catch (error) {
        this.onError(error as Error)
      }
    }
    return this.data
  }

  /** `file`: a snapshot already taken by the caller (current()), so one request reads the file's state once. */
  user(name: string, file: UsersFile = this.current()): UserEntry | undefined {
    return file.users.find((u) => u.name === name)
  }

  /** The token entry whose digest equals the presented token's; every entry is compared, in constant time. */
  token(presented: string, file: UsersFile = this.current()): TokenEntry | undefined {
    return matchToken(file.tokens, (entry) => Buffer.from(entry.tokenHash, 'hex'), presented)
  }
}
