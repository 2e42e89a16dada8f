import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/server/config.js'
import { startTestServer } from '../helpers/server.js'

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
      const s = await startTestServer({
        prefix: 'bulwark-read-cache-',
        modules: ['store', 'identity', 'api'],
        flags: { http: true, api: { readCacheSeconds: seconds } },
      })
      try {
        const cache = s.server.app.mdeApi.deps.cache
        assert.equal(cache.enabled, seconds > 0)
        assert.equal(cache.ttlMs, seconds * 1000)
      } finally {
        await s.close()
      }
    })
})
