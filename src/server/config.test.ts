import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../core/errors.js'
import { configFromEnv, loadConfig } from './config.js'

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({ env: {} })
    assert.equal(c.port, 8443)
    assert.equal(c.host, '127.0.0.1')
    assert.equal(c.store, 'duckdb')
    assert.equal(c.http, false)
    assert.equal(c.devices, 50)
  })

  it('maps BULWARK_* variables, including nested ones', () => {
    const env = {
      BULWARK_PORT: '9000',
      BULWARK_HTTP: 'true',
      BULWARK_HUNTING__ROW_LIMIT: '10',
      BULWARK_TLS_NAMES: 'a,b',
    }
    assert.deepEqual(configFromEnv(env), {
      port: '9000',
      http: true,
      hunting: { rowLimit: '10' },
      tlsNames: ['a', 'b'],
    })
    const c = loadConfig({ env })
    assert.equal(c.port, 9000)
    assert.equal(c.hunting.rowLimit, 10)
  })

  it('lets flags win over the environment', () => {
    assert.equal(loadConfig({ env: { BULWARK_PORT: '9000' }, flags: { port: '9001' } }).port, 9001)
  })

  it('names each bad setting by its path', () => {
    assert.throws(
      () => loadConfig({ env: {}, flags: { port: '70000', store: 'postgres', devices: '0' } }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /port:/.test(err.message) &&
        /devices:/.test(err.message) &&
        /postgresUrl: is required/.test(err.message),
    )
  })

  it('sets the PostgreSQL prepared-statement budget (0 turns prepared statements off)', () => {
    assert.equal(loadConfig({ env: {} }).postgresPreparedTextBudget, 128 * 1024)
    assert.equal(
      loadConfig({ env: { BULWARK_POSTGRES_PREPARED_TEXT_BUDGET: '0' } }).postgresPreparedTextBudget,
      0,
    )
    assert.throws(
      () => loadConfig({ env: {}, flags: { postgresPreparedTextBudget: -1 } }),
      /postgresPreparedTextBudget/,
    )
  })

  it('rejects unknown settings', () => {
    assert.throws(() => loadConfig({ env: {}, flags: { prot: 1 } }), /Unrecognized key.*prot|prot/)
  })
})

describe('docs/configuration.md', () => {
  it('documents every setting', async () => {
    const { readFileSync } = await import('node:fs')
    const { configSchema } = await import('./config.js')
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')
    const keys: string[] = []
    const walk = (shape: Record<string, unknown>, prefix: string) => {
      for (const [k, v] of Object.entries(shape)) {
        let inner = v as { unwrap?: () => unknown; shape?: Record<string, unknown> }
        while (inner.unwrap && !inner.shape) inner = inner.unwrap() as typeof inner
        if (inner.shape) walk(inner.shape, prefix + k + '.')
        else keys.push(prefix + k)
      }
    }
    walk(configSchema.shape, '')
    const missing = keys.filter((k) => !doc.includes('`' + k + '`'))
    assert.deepEqual(missing, [])
  })
})
