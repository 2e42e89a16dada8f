import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])
type CryptoKeyPair = webcrypto.CryptoKeyPair

export interface TlsMaterial {
  caFile: string
  certFile: string
  keyFile: string
  cert: string
  key: string
  ca: string
  /** True when this call generated new files. */
  created: boolean
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
  return `-----BEGIN PRIVATE KEY-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END PRIVATE KEY-----\n`
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, data, { mode })
  renameSync(tmp, path)
}

/**
 * A local CA and a server certificate under DIR/tls/. Generated on first start, reused afterwards; the
 * server certificate is re-issued (by the same CA) when the requested names are not all in it.
 */
export async function ensureTls(dataDir: string, extraNames: readonly string[]): Promise<TlsMaterial> {
  const dir = join(dataDir, 'tls')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const caFile = join(dir, 'ca.pem')
  const caKeyFile = join(dir, 'ca-key.pem')
  const certFile = join(dir, 'server.pem')
  const keyFile = join(dir, 'server-key.pem')
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...extraNames])]
  let created = false

  let caCert: x509.X509Certificate
  let caKeys: CryptoKeyPair
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    caCert = new x509.X509Certificate(readFileSync(caFile, 'utf8'))
    const der = x509.PemConverter.decodeFirst(readFileSync(caKeyFile, 'utf8'))
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign'])
    const publicKey = await webcrypto.subtle.importKey('spki', caCert.publicKey.rawData, alg, true, [
      'verify',
    ])
    caKeys = { privateKey, publicKey }
  } else {
    caKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
    const now = new Date()
    caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex'),
      name: 'CN=Bulwark Local CA, O=Bulwark',
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
      keys: caKeys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    })
    writeAtomic(caKeyFile, pemKey(await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey)), 0o600)
    writeAtomic(caFile, caCert.toString('pem') + '\n', 0o644)
    created = true
  }

  let needServer = created || !existsSync(certFile) || !existsSync(keyFile)
  if (!needServer) {
    const existing = new x509.X509Certificate(readFileSync(certFile, 'utf8'))
    const san = existing.getExtension(x509.SubjectAlternativeNameExtension)
    const have = new Set((san?.names.items ?? []).map((n) => n.value))
    needServer = names.some((n) => !have.has(n)) || existing.notAfter.getTime() < Date.now() + 7 * 86400_000
  }
  if (needServer) {
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
    const now = new Date()
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex'),
      subject: 'CN=' + (extraNames[0] ?? 'localhost'),
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 365 * 86400_000),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(
          names.map((n) => ({ type: isIP(n) ? 'ip' : 'dns', value: n })),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
      ],
    })
    writeAtomic(keyFile, pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 0o600)
    writeAtomic(certFile, cert.toString('pem') + '\n', 0o644)
    created = true
  }
  return {
    caFile,
    certFile,
    keyFile,
    ca: readFileSync(caFile, 'utf8'),
    cert: readFileSync(certFile, 'utf8') + readFileSync(caFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    created,
  }
}
