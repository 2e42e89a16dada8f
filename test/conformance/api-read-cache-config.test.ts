import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { startServer } from '../../src/server/app.js'
import { loadConfig } from '../../src/server/config.js'
import { productModules } from '../../src/server/modules.js'

/** `api.readCacheSeconds`: validated, read from flags and BULWARK_API__READ_CACHE_SECONDS, wired to the API. */
describe('config api.readCacheSeconds', () => {
  it('defaults to 2 s, reads the environment and refuses a negative value naming the setting', () => {
    assert.equal(loadConfig({ env: {}, flags: {} }).api.readCacheSeconds, 2)
    assert.equal(
      loadConfig({ env: { BULWARK_API__READ_CACHE_SECONDS: '0' }, flags: {} }).api.readCacheSeconds,
      0,
    )
    assert.throws(
      () => loadConfig({ env: {}, flags: { api: { readCacheSeconds: -1 } } }),
      /api\.readCacheSeconds/,
    )
  })

  for (const seconds of [0, 5])
    it(`sets the API's read cache (${seconds} s)`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-read-cache-'))
      const config = loadConfig({
        env: {},
        flags: {
          dataDir,
          port: 0,
          http: true,
          logLevel: 'silent',
          quiet: true,
          api: { readCacheSeconds: seconds },
        },
      })
      const modules = productModules.filter((m) => ['store', 'identity', 'api'].includes(m.name))
      const server = await startServer(config, { modules })
      try {
        await server.ready
        const cache = server.app.mdeApi.deps.cache
        assert.equal(cache.enabled, seconds > 0)
        assert.equal(cache.ttlMs, seconds * 1000)
      } finally {
        await server.close()
        rmSync(dataDir, { recursive: true, force: true })
      }
    })
})
