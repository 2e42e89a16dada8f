import 'reflect-metadata'
import { createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { Db } from '../store/db.js'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

export interface SigningKey {
  slot: number
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** base64 DER of the self-signed certificate wrapping the key (JWKS `x5c`). */
  certificateDer: string
}

export interface PublicJwk {
  kty: 'RSA'
  use: 'sig'
  kid: string
  x5t: string
  n: string
  e: string
  x5c: string[]
}

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const

export function toPem(der: Uint8Array, label: string): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** Generates an RSA-2048 key wrapped in a self-signed certificate; kid = x5t = base64url(SHA-1(DER)). */
export async function generateSigningKey(
  now: Date,
  validDays: number,
): Promise<{ privateKeyPem: string; certificateDer: string; kid: string }> {
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex'),
    name: 'CN=Bulwark token signing',
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + validDays * 86_400_000),
    keys,
    signingAlgorithm: RSA,
  })
  const der = Buffer.from(cert.rawData)
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
  const privateKeyPem = toPem(pkcs8, 'PRIVATE KEY')
  return {
    privateKeyPem,
    certificateDer: der.toString('base64'),
    kid: createHash('sha1').update(der).digest('base64url'),
  }
}

/**
 * Persisted, rotating token-signing keys shared by every node through the store. Time is cut into
 * slots of `rotationDays`; slot n's key signs during slot n, is published one slot ahead ("next") and
 * one slot after ("previous", so tokens it signed stay verifiable well past their lifetime). Slots are
 * the primary key, so nodes that race to create a slot's key agree on whichever insert won.
 */
export class KeyRing {
  #keys = new Map<string, SigningKey>()
  #current: SigningKey | null = null
  #loadedAt = 0
  #refreshing: Promise<void> | null = null
  /** Bumped whenever the published set changes; verifiers drop cached results on change. */
  generation = 0

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    readonly log: Logger,
    readonly rotationDays: number,
  ) {}

  get slotMs(): number {
    return this.rotationDays * 86_400_000
  }

  currentSlot(): number {
    return Math.floor(this.clock.nowMs() / this.slotMs)
  }

  /** Creates the current and next slot's keys when missing and drops keys older than the previous slot. */
  async ensure(): Promise<void> {
    const slot = this.currentSlot()
    const have = new Set(
      (
        await this.db.query<{ slot: number }>('SELECT "slot" FROM idp_signing_keys WHERE "slot" >= $1', [
          slot,
        ])
      ).map((r) => Number(r.slot)),
    )
    for (const s of [slot, slot + 1]) {
      if (have.has(s)) continue
      const k = await generateSigningKey(this.clock.now(), this.rotationDays * 3 + 1)
      await this.db.execute(
        'INSERT INTO idp_signing_keys ("slot","kid","privateKeyPem","certificateDer","createdAt") VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING',
        [s, k.kid, k.privateKeyPem, k.certificateDer, this.clock.nowMs()],
      )
      this.log.info({ slot: s, kid: k.kid }, 'signing key created')
    }
    await this.db.execute('DELETE FROM idp_signing_keys WHERE "slot" < $1', [slot - 1])
    await this.load()
  }

  async load(): Promise<void> {
    const rows = await this.db.query('SELECT * FROM idp_signing_keys ORDER BY "slot"')
    const keys = new Map<string, SigningKey>()
    const slot = this.currentSlot()
    let current: SigningKey | null = null
    for (const r of rows) {
      const privateKey = createPrivateKey(String(r.privateKeyPem))
      const k: SigningKey = {
        slot: Number(r.slot),
        kid: String(r.kid),
        privateKey,
        publicKey: createPublicKey(privateKey),
        certificateDer: String(r.certificateDer),
      }
      keys.set(k.kid, k)
      if (k.slot <= slot && (!current || k.slot > current.slot)) current = k
    }
    const changed = [...keys.keys()].join() !== [...this.#keys.keys()].join()
    this.#keys = keys
    this.#current = current
    this.#loadedAt = this.clock.nowMs()
    if (changed) this.generation++
  }

  /** Re-reads the store, at most every `minIntervalMs` (unknown-kid lookups call this). */
  refresh(minIntervalMs = 10_000): Promise<void> {
    if (this.clock.nowMs() - this.#loadedAt < minIntervalMs) return Promise.resolve()
    this.#refreshing ??= this.ensure().finally(() => (this.#refreshing = null))
    return this.#refreshing
  }

  /** The key to sign with now. Triggers rotation in the background when the slot has moved on. */
  signingKey(): SigningKey {
    if (!this.#current) throw new Error('signing keys not loaded')
    if (this.#current.slot !== this.currentSlot())
      void this.refresh(0).catch((err: unknown) => this.log.error({ err }, 'key rotation failed'))
    return this.#current
  }

  verificationKey(kid: string): SigningKey | undefined {
    return this.#keys.get(kid)
  }

  hasKid(kid: string): boolean {
    return this.#keys.has(kid)
  }

  jwks(): { keys: PublicJwk[] } {
    return {
      keys: [...this.#keys.values()].map((k) => {
        const jwk = k.publicKey.export({ format: 'jwk' }) as { n: string; e: string }
        return { kty: 'RSA', use: 'sig', kid: k.kid, x5t: k.kid, n: jwk.n, e: jwk.e, x5c: [k.certificateDer] }
      }),
    }
  }
}
