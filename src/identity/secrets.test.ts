import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  generateClientSecret,
  hashClientSecret,
  hashPassword,
  verifyClientSecret,
  verifyPassword,
  DUMMY_PASSWORD_HASH,
} from './secrets.js'

describe('client secrets', () => {
  it('are at least 256 bits of randomness and never repeat', () => {
    const a = generateClientSecret()
    const b = generateClientSecret()
    assert.notEqual(a, b)
    assert.ok(Buffer.from(a.slice(3), 'base64url').length >= 32)
  })
  it('hash with a per-secret salt and verify only the exact value', () => {
    const s = generateClientSecret()
    const h1 = hashClientSecret(s)
    const h2 = hashClientSecret(s)
    assert.notEqual(h1.hash, h2.hash)
    assert.ok(!h1.hash.includes(s))
    assert.equal(verifyClientSecret(s, h1), true)
    assert.equal(verifyClientSecret(s + 'x', h1), false)
    assert.equal(verifyClientSecret('', h1), false)
    assert.equal(verifyClientSecret(s, { salt: h1.salt, hash: 'short' }), false)
  })
})

describe('passwords', () => {
  it('scrypt round trip; wrong password and malformed hashes fail', async () => {
    const h = await hashPassword('Correct horse battery staple')
    assert.match(h, /^scrypt\$16384\$8\$1\$/)
    assert.equal(await verifyPassword('Correct horse battery staple', h), true)
    assert.equal(await verifyPassword('correct horse battery staple', h), false)
    assert.equal(await verifyPassword('x', 'plain'), false)
    assert.equal(await verifyPassword('x', 'scrypt$99999999999$8$1$AA$AA'), false)
    assert.equal(await verifyPassword('anything', DUMMY_PASSWORD_HASH), false)
  })
})
