import { createHmac, randomBytes, scrypt, timingSafeEqual, type BinaryLike } from 'node:crypto'

/**
 * Credential hashing. Client secrets are 256-bit random values, so a salted HMAC-SHA-256 is the right
 * (fast) hash; user passwords are human-chosen, so they get scrypt. Both compare in constant time.
 */

/** A new client secret: 32 random bytes (256 bits), base64url, with a readable prefix. */
export function generateClientSecret(): string {
  return 'bw~' + randomBytes(32).toString('base64url')
}

export interface SecretHash {
  salt: string
  hash: string
}

export function hashClientSecret(secret: string, salt = randomBytes(16).toString('base64url')): SecretHash {
  return { salt, hash: createHmac('sha256', salt).update(secret, 'utf8').digest('base64url') }
}

export function verifyClientSecret(secret: string, stored: SecretHash): boolean {
  const actual = createHmac('sha256', stored.salt).update(secret, 'utf8').digest()
  const expected = Buffer.from(stored.hash, 'base64url')
  if (expected.length !== actual.length) return false
  return timingSafeEqual(actual, expected)
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const

function scryptAsync(password: BinaryLike, salt: BinaryLike, N: number, r: number, p: number, len: number) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, len, { N, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password.normalize('NFC'), salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen)
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  )
}

/** A well-formed hash of a random password, verified against when the user does not exist (uniform timing). */
export const DUMMY_PASSWORD_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 1 << 20) return false
  const expected = Buffer.from(parts[5]!, 'base64url')
  const actual = await scryptAsync(
    password.normalize('NFC'),
    Buffer.from(parts[4]!, 'base64url'),
    N,
    r,
    p,
    expected.length,
  )
  return timingSafeEqual(actual, expected)
}

/** Opaque one-time values (codes, refresh tokens, session ids) are stored only as their SHA-256. */
export function tokenDigest(value: string): string {
  return createHmac('sha256', 'bulwark-token').update(value, 'utf8').digest('base64url')
}

/** A random password for demo users: readable, ~100 bits. */
export function generatePassword(): string {
  const words = randomBytes(15).toString('base64url').replace(/[-_]/g, 'x')
  return `${words.slice(0, 5)}-${words.slice(5, 10)}-${words.slice(10, 15)}-${words.slice(15, 20)}`
}
