import { createHash, randomUUID, X509Certificate } from 'node:crypto'
import type { CertificateCredential, SecretCredential } from './directory/types.js'
import { EntraError } from './entra-error.js'
import type { IdentityService } from './identity-service.js'
import { generateClientSecret, hashClientSecret } from './secrets.js'

/** Adds a client secret to an app; the plain value is returned once and never stored. */
export async function addSecret(
  svc: IdentityService,
  appId: string,
  opts: { displayName?: string; expiresInDays?: number; value?: string } = {},
): Promise<{ credential: Omit<SecretCredential, 'salt' | 'secretHash'>; secret: string }> {
  const client = await svc.directory.getApplication(appId)
  if (!client) throw new EntraError(700016, [appId, 'this'])
  const secret = opts.value ?? generateClientSecret()
  const { salt, hash } = hashClientSecret(secret)
  const now = svc.clock.nowMs()
  const cred: SecretCredential = {
    id: randomUUID(),
    kind: 'secret',
    appId: client.appId,
    displayName: opts.displayName ?? 'secret',
    hint: secret.slice(0, 3),
    salt,
    secretHash: hash,
    expiresAt: now + (opts.expiresInDays ?? 730) * 86_400_000,
    createdAt: now,
  }
  await svc.directory.addCredential(client.tenantId, cred)
  svc.invalidate()
  const { salt: _s, secretHash: _h, ...shown } = cred
  return { credential: shown, secret }
}

export function certificateThumbprints(pem: string): { sha1: string; sha256: string; notAfter: number } {
  const cert = new X509Certificate(pem)
  return {
    sha1: createHash('sha1').update(cert.raw).digest('base64url'),
    sha256: createHash('sha256').update(cert.raw).digest('base64url'),
    notAfter: new Date(cert.validTo).getTime(),
  }
}

/** Registers a certificate (PEM) as a credential; only RSA keys of at least 2048 bits are accepted. */
export async function addCertificate(
  svc: IdentityService,
  appId: string,
  pem: string,
  displayName = 'certificate',
): Promise<CertificateCredential> {
  const client = await svc.directory.getApplication(appId)
  if (!client) throw new EntraError(700016, [appId, 'this'])
  let cert: X509Certificate
  try {
    cert = new X509Certificate(pem)
  } catch {
    throw new EntraError(9002313, ['The certificate is not a valid PEM X.509 certificate.'])
  }
  const key = cert.publicKey
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048)
    throw new EntraError(9002313, ['Only RSA certificates of 2048 bits or more are accepted.'])
  const tp = certificateThumbprints(pem)
  const cred: CertificateCredential = {
    id: randomUUID(),
    kind: 'certificate',
    appId: client.appId,
    displayName,
    thumbprintSha1: tp.sha1,
    thumbprintSha256: tp.sha256,
    certificatePem: cert.toString(),
    expiresAt: tp.notAfter,
    createdAt: svc.clock.nowMs(),
  }
  await svc.directory.addCredential(client.tenantId, cred)
  svc.invalidate()
  return cred
}
