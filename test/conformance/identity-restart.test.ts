import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { startServer } from '../../src/server/app.js'
import { loadConfig } from '../../src/server/config.js'
import { productModules } from '../../src/server/modules.js'
import type { DemoCredentials } from '../../src/identity/seed-demo.js'

/** Demo seeding is idempotent across restarts: same ids, same secrets, nothing regenerated. */
describe('demo directory across restarts', () => {
  it('reuses demo-credentials.json and admin-credentials.json; old secrets keep working', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-restart-'))
    const modules = productModules.filter((m) => m.name === 'store' || m.name === 'identity')
    const start = async () => {
      const config = loadConfig({
        env: {},
        flags: { dataDir, port: 0, http: true, demo: true, logLevel: 'silent', quiet: true },
      })
      const s = await startServer(config, { modules })
      await s.ready
      return s
    }
    const read = (f: string) => readFileSync(join(dataDir, f), 'utf8')
    try {
      let s = await start()
      const first = JSON.parse(read('demo-credentials.json')) as DemoCredentials
      const admin1 = JSON.parse(read('admin-credentials.json')) as { clientSecret: string }
      await s.close()
      s = await start()
      const second = JSON.parse(read('demo-credentials.json')) as DemoCredentials
      const admin2 = JSON.parse(read('admin-credentials.json')) as { clientSecret: string }
      assert.deepEqual(second.apps, first.apps)
      assert.deepEqual(second.users, first.users)
      assert.equal(admin2.clientSecret, admin1.clientSecret)
      assert.equal(statSync(join(dataDir, 'admin-credentials.json')).mode & 0o777, 0o600)
      const full = second.apps.find((a) => a.clientSecret)!
      const r = await s.app.inject({
        method: 'POST',
        url: `/${second.tenantId}/oauth2/token`,
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: full.clientId,
          client_secret: full.clientSecret!,
          resource: 'https://api.securitycenter.microsoft.com',
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      assert.equal(r.statusCode, 200)
      const creds = await s.app.identity.directory.listCredentials(full.clientId)
      assert.equal(creds.length, 1, 'no extra secret was added on restart')
      await s.close()
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
