import { randomBytes } from 'node:crypto'
import { hmacSha256, safeEqual } from '../core/crypto.js'
import type { Db } from '../store/db.js'

/**
 * Short-lived signed download links (the investigation-package "SAS URI" and live-response results),
 * served by Bulwark itself. The signing key is a per-tenant random secret in `api_state`, so every API
 * node signs and verifies alike.
 */
export async function tenantDownloadKey(db: Db, tenantId: string): Promise<string> {
  await db.execute(
    `INSERT INTO api_state ("tenantId", "name", "numberValue", "textValue") VALUES ($1, 'secret:download', 0, $2)
     ON CONFLICT ("tenantId", "name") DO NOTHING`,
    [tenantId, randomBytes(32).toString('base64url')],
  )
  const rows = await db.query<{ textValue: string }>(
    `SELECT "textValue" FROM api_state WHERE "tenantId" = $1 AND "name" = 'secret:download'`,
    [tenantId],
  )
  return rows[0]!.textValue
}

export function downloadPath(kind: string, tenantId: string, actionId: string, index: number): string {
  return `/api/downloads/${kind}/${tenantId}/${actionId}/${index}`
}

export function signDownload(key: string, path: string, expiresSec: number): string {
  return hmacSha256(key, `${path}\n${expiresSec}`).toString('base64url')
}

export function verifyDownload(
  key: string,
  path: string,
  expiresSec: number,
  sig: string,
  nowMs: number,
): boolean {
  if (!Number.isSafeInteger(expiresSec) || expiresSec * 1000 < nowMs) return false
  return safeEqual(signDownload(key, path, expiresSec), sig)
}
