import type { Clock } from '../core/clock.js'
import { randomToken } from '../core/crypto.js'
import type { Db, Row } from '../store/db.js'
import { tokenDigest } from './secrets.js'

/** What a user granted in a browser or device flow, carried by codes and refresh tokens. */
export interface GrantContext {
  tenantId: string
  clientId: string
  userId: string
  /** The resource + scopes as requested (v2 scope string, or v1 resource). */
  scope: string
  resource: string | null
  endpoint: 'v1' | 'v2'
  authTime: number
  amr: string[]
}

export interface AuthCodeRecord {
  tenantId: string
  clientId: string
  userId: string
  redirectUri: string
  grant: GrantContext
  codeChallenge: string | null
  codeChallengeMethod: string | null
  nonce: string | null
  familyId: string
  expiresAt: number
}

export type CodeRedemption =
  | { ok: true; code: AuthCodeRecord }
  | { ok: false; reason: 'unknown' | 'expired' | 'replayed'; familyId?: string }

export type RefreshRedemption =
  | { ok: true; familyId: string; tenantId: string; clientId: string; userId: string; createdAt: number }
  | { ok: false; reason: 'unknown' | 'expired' | 'idle' | 'revoked' | 'reused'; clientId?: string }

export interface DeviceCodeRecord {
  userCode: string
  tenantRef: string
  clientId: string
  request: { scope: string; resource: string | null; endpoint: 'v1' | 'v2' }
  status: 'pending' | 'approved' | 'declined' | 'redeemed'
  userId: string | null
  tenantId: string | null
  failedEntries: number
  expiresAt: number
}

const str = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'bigint'
      ? v.toString()
      : JSON.stringify(v)
const num = (v: unknown) => Number(v)
const opt = (v: unknown) => (v === null || v === undefined ? null : str(v))

/** User codes: 9 characters from an alphabet without look-alikes (~44 bits), shown as XXXX-XXXXX. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ23456789'
export function newUserCode(): string {
  const bytes = Buffer.from(randomToken(24), 'base64url')
  let out = ''
  for (let i = 0; out.length < 9 && i < bytes.length; i++) {
    const b = bytes[i]!
    if (b < 252) out += USER_CODE_ALPHABET[b % 28]
  }
  return out.padEnd(9, 'B')
}
export const normaliseUserCode = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '')

/**
 * Single-use and rotating token state (authorization codes, refresh tokens, device codes, browser
 * sessions, sign-in interactions) and failure counters. Every secret value is stored only as a digest;
 * every "use once" transition is a conditional UPDATE whose row count decides the winner, so two API
 * nodes over one PostgreSQL cannot both redeem the same code.
 */
export class TokenState {
  constructor(
    readonly db: Db,
    readonly clock: Clock,
  ) {}

  // ---- authorization codes -----------------------------------------------------------------------

  async issueCode(
    rec: Omit<AuthCodeRecord, 'familyId' | 'expiresAt'>,
    lifetimeMs = 600_000,
  ): Promise<string> {
    const code = randomToken(32)
    const now = this.clock.nowMs()
    await this.db.execute(
      `INSERT INTO idp_auth_codes ("codeHash","tenantId","clientId","userId","redirectUri","grant","codeChallenge",
        "codeChallengeMethod","nonce","familyId","createdAt","expiresAt","usedAt") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,NULL)`,
      [
        tokenDigest(code),
        rec.tenantId,
        rec.clientId,
        rec.userId,
        rec.redirectUri,
        JSON.stringify(rec.grant),
        rec.codeChallenge,
        rec.codeChallengeMethod,
        rec.nonce,
        randomToken(16),
        now,
        now + lifetimeMs,
      ],
    )
    return code
  }

  async redeemCode(code: string): Promise<CodeRedemption> {
    const h = tokenDigest(code)
    const rows = await this.db.query('SELECT * FROM idp_auth_codes WHERE "codeHash"=$1', [h])
    const r = rows[0]
    if (!r) return { ok: false, reason: 'unknown' }
    const now = this.clock.nowMs()
    if (r.usedAt !== null && r.usedAt !== undefined)
      return { ok: false, reason: 'replayed', familyId: str(r.familyId) }
    if (num(r.expiresAt) <= now) return { ok: false, reason: 'expired' }
    const won = await this.db.execute(
      'UPDATE idp_auth_codes SET "usedAt"=$2 WHERE "codeHash"=$1 AND "usedAt" IS NULL',
      [h, now],
    )
    if (won !== 1) return { ok: false, reason: 'replayed', familyId: str(r.familyId) }
    return { ok: true, code: this.#code(r) }
  }

  #code(r: Row): AuthCodeRecord {
    return {
      tenantId: str(r.tenantId),
      clientId: str(r.clientId),
      userId: str(r.userId),
      redirectUri: str(r.redirectUri),
      grant: JSON.parse(str(r.grant)) as GrantContext,
      codeChallenge: opt(r.codeChallenge),
      codeChallengeMethod: opt(r.codeChallengeMethod),
      nonce: opt(r.nonce),
      familyId: str(r.familyId),
      expiresAt: num(r.expiresAt),
    }
  }

  // ---- refresh tokens ------------------------------------------------------------------------------

  async issueRefreshToken(
    r: { familyId: string; tenantId: string; clientId: string; userId: string; familyCreatedAt?: number },
    opts: { lifetimeMs: number; idleMs: number },
  ): Promise<string> {
    const token = randomToken(32)
    const now = this.clock.nowMs()
    await this.db.execute(
      `INSERT INTO idp_refresh_tokens ("tokenHash","familyId","tenantId","clientId","userId","createdAt","expiresAt","idleExpiresAt","usedAt","revokedAt")
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,NULL,NULL)`,
      [
        tokenDigest(token),
        r.familyId,
        r.tenantId,
        r.clientId,
        r.userId,
        r.familyCreatedAt ?? now,
        (r.familyCreatedAt ?? now) + opts.lifetimeMs,
        now + opts.idleMs,
      ],
    )
    return token
  }

  /** Marks the token used (rotation). A second use of a used token revokes its whole family. */
  async redeemRefreshToken(token: string, clientId: string): Promise<RefreshRedemption> {
    const h = tokenDigest(token)
    const r = (await this.db.query('SELECT * FROM idp_refresh_tokens WHERE "tokenHash"=$1', [h]))[0]
    // A token presented by another client is treated as unknown and left untouched.
    if (!r || str(r.clientId) !== clientId) return { ok: false, reason: 'unknown' }
    const now = this.clock.nowMs()
    const familyId = str(r.familyId)
    if (r.revokedAt !== null && r.revokedAt !== undefined) return { ok: false, reason: 'revoked', clientId }
    if (await this.isFamilyRevoked(familyId)) return { ok: false, reason: 'revoked', clientId }
    if (r.usedAt !== null && r.usedAt !== undefined) {
      await this.revokeFamily(familyId, 'refresh token reuse')
      return { ok: false, reason: 'reused', clientId }
    }
    if (num(r.expiresAt) <= now) return { ok: false, reason: 'expired', clientId }
    if (num(r.idleExpiresAt) <= now) return { ok: false, reason: 'idle', clientId }
    const won = await this.db.execute(
      'UPDATE idp_refresh_tokens SET "usedAt"=$2 WHERE "tokenHash"=$1 AND "usedAt" IS NULL AND "revokedAt" IS NULL',
      [h, now],
    )
    if (won !== 1) {
      await this.revokeFamily(familyId, 'refresh token reuse')
      return { ok: false, reason: 'reused', clientId }
    }
    return {
      ok: true,
      familyId,
      tenantId: str(r.tenantId),
      clientId,
      userId: str(r.userId),
      createdAt: num(r.createdAt),
    }
  }

  async revokeFamily(familyId: string, reason: string): Promise<void> {
    const now = this.clock.nowMs()
    await this.db.execute(
      'INSERT INTO idp_revoked_families ("familyId","reason","revokedAt") VALUES ($1,$2,$3) ON CONFLICT DO NOTHING',
      [familyId, reason, now],
    )
    await this.db.execute(
      'UPDATE idp_refresh_tokens SET "revokedAt"=$2 WHERE "familyId"=$1 AND "revokedAt" IS NULL',
      [familyId, now],
    )
  }

  async isFamilyRevoked(familyId: string): Promise<boolean> {
    return (
      (await this.db.query('SELECT 1 AS x FROM idp_revoked_families WHERE "familyId"=$1', [familyId]))
        .length > 0
    )
  }

  /**
   * Revokes every refresh token and browser session of a user (sign-out everywhere, disable, password
   * reset): a surviving session cookie would otherwise mint fresh codes silently (prompt=none).
   */
  async revokeUserTokens(userId: string): Promise<number> {
    await this.db.execute(
      'UPDATE idp_sessions SET "revokedAt"=$2 WHERE "userId"=$1 AND "revokedAt" IS NULL',
      [userId, this.clock.nowMs()],
    )
    const fams = await this.db.query(
      'SELECT DISTINCT "familyId" FROM idp_refresh_tokens WHERE "userId"=$1 AND "revokedAt" IS NULL',
      [userId],
    )
    for (const f of fams) await this.revokeFamily(str(f.familyId), 'user revoked')
    return fams.length
  }

  /** Revokes the family a presented refresh token belongs to (admin / client-initiated revocation). */
  async revokeRefreshToken(token: string): Promise<boolean> {
    const r = (
      await this.db.query('SELECT "familyId" FROM idp_refresh_tokens WHERE "tokenHash"=$1', [
        tokenDigest(token),
      ])
    )[0]
    if (!r) return false
    await this.revokeFamily(str(r.familyId), 'revoked')
    return true
  }

  // ---- device codes ------------------------------------------------------------------------------

  async issueDeviceCode(
    rec: Pick<DeviceCodeRecord, 'tenantRef' | 'clientId' | 'request'>,
    lifetimeMs: number,
  ): Promise<{ deviceCode: string; userCode: string }> {
    const now = this.clock.nowMs()
    for (let attempt = 0; attempt < 5; attempt++) {
      const deviceCode = randomToken(32)
      const userCode = newUserCode()
      try {
        await this.db.execute(
          `INSERT INTO idp_device_codes ("deviceCodeHash","userCode","tenantRef","clientId","request","status","userId","tenantId",
            "failedEntries","createdAt","expiresAt") VALUES ($1,$2,$3,$4,$5,'pending',NULL,NULL,0,$6,$7)`,
          [
            tokenDigest(deviceCode),
            userCode,
            rec.tenantRef,
            rec.clientId,
            JSON.stringify(rec.request),
            now,
            now + lifetimeMs,
          ],
        )
        return { deviceCode, userCode }
      } catch (err) {
        if (attempt === 4) throw err
      }
    }
    throw new Error('unreachable')
  }

  #device(r: Row): DeviceCodeRecord {
    return {
      userCode: str(r.userCode),
      tenantRef: str(r.tenantRef),
      clientId: str(r.clientId),
      request: JSON.parse(str(r.request)) as DeviceCodeRecord['request'],
      status: str(r.status) as DeviceCodeRecord['status'],
      userId: opt(r.userId),
      tenantId: opt(r.tenantId),
      failedEntries: num(r.failedEntries),
      expiresAt: num(r.expiresAt),
    }
  }

  async findDeviceCodeByUserCode(userCode: string): Promise<DeviceCodeRecord | null> {
    const r = (
      await this.db.query('SELECT * FROM idp_device_codes WHERE "userCode"=$1', [normaliseUserCode(userCode)])
    )[0]
    return r ? this.#device(r) : null
  }

  async findDeviceCode(deviceCode: string): Promise<DeviceCodeRecord | null> {
    const r = (
      await this.db.query('SELECT * FROM idp_device_codes WHERE "deviceCodeHash"=$1', [
        tokenDigest(deviceCode),
      ])
    )[0]
    return r ? this.#device(r) : null
  }

  async decideDeviceCode(
    userCode: string,
    decision: { approve: true; userId: string; tenantId: string } | { approve: false },
  ) {
    return (
      (await this.db.execute(
        `UPDATE idp_device_codes SET "status"=$2, "userId"=$3, "tenantId"=$4 WHERE "userCode"=$1 AND "status"='pending'`,
        [
          normaliseUserCode(userCode),
          decision.approve ? 'approved' : 'declined',
          decision.approve ? decision.userId : null,
          decision.approve ? decision.tenantId : null,
        ],
      )) === 1
    )
  }

  /** Approved → redeemed, exactly once. */
  async redeemDeviceCode(deviceCode: string): Promise<boolean> {
    return (
      (await this.db.execute(
        `UPDATE idp_device_codes SET "status"='redeemed' WHERE "deviceCodeHash"=$1 AND "status"='approved'`,
        [tokenDigest(deviceCode)],
      )) === 1
    )
  }

  // ---- browser sessions and interactions ----------------------------------------------------------

  async createSession(tenantId: string, userId: string, lifetimeMs: number): Promise<string> {
    const id = randomToken(32)
    const now = this.clock.nowMs()
    await this.db.execute(
      'INSERT INTO idp_sessions ("idHash","tenantId","userId","createdAt","expiresAt","revokedAt") VALUES ($1,$2,$3,$4,$5,NULL)',
      [tokenDigest(id), tenantId, userId, now, now + lifetimeMs],
    )
    return id
  }

  async getSession(id: string): Promise<{ tenantId: string; userId: string; createdAt: number } | null> {
    const r = (await this.db.query('SELECT * FROM idp_sessions WHERE "idHash"=$1', [tokenDigest(id)]))[0]
    if (!r || (r.revokedAt !== null && r.revokedAt !== undefined) || num(r.expiresAt) <= this.clock.nowMs())
      return null
    return { tenantId: str(r.tenantId), userId: str(r.userId), createdAt: num(r.createdAt) }
  }

  async endSession(id: string): Promise<void> {
    await this.db.execute('UPDATE idp_sessions SET "revokedAt"=$2 WHERE "idHash"=$1', [
      tokenDigest(id),
      this.clock.nowMs(),
    ])
  }

  /** A pending sign-in/consent transaction; the CSRF token is returned once and stored hashed. */
  async createInteraction(request: object, lifetimeMs = 900_000): Promise<{ id: string; csrf: string }> {
    const id = randomToken(18)
    const csrf = randomToken(24)
    const now = this.clock.nowMs()
    await this.db.execute(
      'INSERT INTO idp_interactions ("id","csrfHash","request","createdAt","expiresAt") VALUES ($1,$2,$3,$4,$5)',
      [id, tokenDigest(csrf), JSON.stringify(request), now, now + lifetimeMs],
    )
    return { id, csrf }
  }

  async getInteraction<T>(id: string): Promise<{ request: T; csrfHash: string } | null> {
    const r = (await this.db.query('SELECT * FROM idp_interactions WHERE "id"=$1', [id]))[0]
    if (!r || num(r.expiresAt) <= this.clock.nowMs()) return null
    return { request: JSON.parse(str(r.request)) as T, csrfHash: str(r.csrfHash) }
  }

  async deleteInteraction(id: string): Promise<void> {
    await this.db.execute('DELETE FROM idp_interactions WHERE "id"=$1', [id])
  }

  // ---- failure counters (wrong secrets, wrong passwords, wrong user codes) -----------------------

  /** Adds a failure; returns the count in the current window and the lock expiry (0 = not locked). */
  async recordFailure(
    key: string,
    opts: { windowMs: number; limit: number; lockMs: number },
  ): Promise<{ count: number; lockedUntil: number }> {
    const now = this.clock.nowMs()
    return this.db.transaction(async (tx) => {
      const r = (await tx.query('SELECT * FROM idp_failure_counters WHERE "key"=$1', [key]))[0]
      let count = 1
      let windowStart = now
      if (r && num(r.windowStart) + opts.windowMs > now) {
        count = num(r.count) + 1
        windowStart = num(r.windowStart)
      }
      const lockedUntil = count >= opts.limit ? now + opts.lockMs : r ? Math.max(num(r.lockedUntil), 0) : 0
      if (r)
        await tx.execute(
          'UPDATE idp_failure_counters SET "windowStart"=$2, "count"=$3, "lockedUntil"=$4 WHERE "key"=$1',
          [key, windowStart, count, lockedUntil],
        )
      else
        await tx.execute(
          'INSERT INTO idp_failure_counters ("key","windowStart","count","lockedUntil") VALUES ($1,$2,$3,$4)',
          [key, windowStart, count, lockedUntil],
        )
      return { count, lockedUntil: lockedUntil > now ? lockedUntil : 0 }
    })
  }

  async lockedUntil(key: string): Promise<number> {
    const r = (await this.db.query('SELECT "lockedUntil" FROM idp_failure_counters WHERE "key"=$1', [key]))[0]
    const t = r ? num(r.lockedUntil) : 0
    return t > this.clock.nowMs() ? t : 0
  }

  async clearFailures(key: string): Promise<void> {
    await this.db.execute('DELETE FROM idp_failure_counters WHERE "key"=$1', [key])
  }

  /** Deletes expired rows; run periodically. */
  async sweep(): Promise<void> {
    const now = this.clock.nowMs()
    await this.db.execute('DELETE FROM idp_auth_codes WHERE "expiresAt" < $1', [now - 86_400_000])
    await this.db.execute('DELETE FROM idp_device_codes WHERE "expiresAt" < $1', [now - 86_400_000])
    await this.db.execute('DELETE FROM idp_interactions WHERE "expiresAt" < $1', [now])
    await this.db.execute('DELETE FROM idp_sessions WHERE "expiresAt" < $1', [now])
    await this.db.execute('DELETE FROM idp_refresh_tokens WHERE "expiresAt" < $1', [now])
    // Counters outlive every window (≤ 15 min) and lock; a day keeps them visible for investigation.
    await this.db.execute(
      'DELETE FROM idp_failure_counters WHERE "windowStart" < $1 AND "lockedUntil" < $2',
      [now - 86_400_000, now],
    )
  }
}
