import crypto from 'node:crypto'

/**
 * Password hashes: scrypt (node:crypto) with a random 16-byte salt. The cost parameters are stored
 * with the hash, so they can be raised later without invalidating existing hashes:
 * `scrypt$N$r$p$<salt base64>$<key base64>`.
 */

const COST = { N: 2 ** 15, r: 8, p: 1 }
const KEY_BYTES = 32

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    crypto.scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  )
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16)
  const key = await derive(password, salt, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$')
}

const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/

export function isPasswordHash(text: string): boolean {
  return HASH.test(text)
}

/** Constant-time comparison of the derived key; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = HASH.exec(stored)
  if (!m) return false
  const cost = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }
  const expected = Buffer.from(m[5]!, 'base64')
  if (expected.length !== KEY_BYTES) return false
  const key = await derive(password, Buffer.from(m[4]!, 'base64'), cost)
  return crypto.timingSafeEqual(key, expected)
}

/** A hash of a random password: unknown users are checked against it so they take as long as known ones. */
export const DUMMY_HASH = hashPassword(crypto.randomBytes(16).toString('hex'))
