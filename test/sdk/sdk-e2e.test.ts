import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Agent, fetch as undiciFetch } from 'undici'
import { MdeApiError, MdeClient, TokenError, clientSecretCredential } from '@bulwark/sdk'
import { startCliServer, type ServerProcess } from '../helpers/cli.js'

interface DemoCredentials {
  tenantId: string
  authority: string
  apiBaseUrl: string
  caFile: string
  apps: { name: string; clientId: string; clientSecret?: string; permissions: string[] }[]
}

/** End to end: `bulwark serve --demo` (HTTPS, local CA) driven through the published SDK package. */
describe('SDK against a demo server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-sdk-'))
  let server: ServerProcess
  let creds: DemoCredentials
  let tlsFetch: typeof fetch

  before(async () => {
    server = await startCliServer(
      ['--data-dir', dir, '--port', '0', '--demo', '--devices', '6', '--log-level', 'warn'],
      {
        waitReady: true,
        timeoutMs: 180_000,
        env: { BULWARK_ACTIONS__COMPLETION_DELAY_SECONDS: '1' },
      },
    )
    creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8')) as DemoCredentials
    const dispatcher = new Agent({ connect: { ca: readFileSync(creds.caFile, 'utf8') } })
    tlsFetch = ((url: string, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch
  })
  after(async () => {
    server?.child.kill('SIGTERM')
    await server?.exited
    rmSync(dir, { recursive: true, force: true })
  })

  const client = (appName: RegExp) => {
    const app = creds.apps.find((a) => appName.test(a.name) && a.clientSecret)!
    return new MdeClient({
      baseUrl: creds.apiBaseUrl,
      fetch: tlsFetch,
      credential: clientSecretCredential({
        authorityHost: creds.authority.slice(0, creds.authority.lastIndexOf('/')),
        tenantId: creds.tenantId,
        clientId: app.clientId,
        clientSecret: app.clientSecret!,
        fetch: tlsFetch,
      }),
    })
  }

  it('lists alerts with evidence and iterates machines', async () => {
    const full = client(/Full Access/)
    const alerts = await full.alerts.list({ top: 5, expand: ['evidence'] })
    assert.ok(alerts.value.length > 0)
    assert.ok(alerts.value.every((a) => typeof a.id === 'string' && a.aadTenantId === creds.tenantId))
    const seen: string[] = []
    for await (const m of full.machines.iterate()) seen.push(m.id)
    assert.equal(new Set(seen).size, seen.length)
    assert.ok(seen.length >= 6, `iterated ${seen.length} machines`)
    // $top limits the answer and suppresses @odata.nextLink, as MDE does.
    const two = await full.machines.list({ top: 2 })
    assert.equal(two.value.length, 2)
    assert.equal(two.nextLink, null)
  })

  it('isolates a machine and sees the action complete', async () => {
    const full = client(/Full Access/)
    const machine =
      (await full.machines.list({ filter: "osPlatform eq 'Windows11'", top: 1 })).value[0] ??
      (await full.machines.list({ top: 1 })).value[0]!
    const action = await full.machines.isolate(machine.id, 'e2e', 'Full')
    assert.equal(action.status, 'Pending')
    await assert.rejects(
      full.machines.isolate(machine.id, 'again', 'Full'),
      (e: unknown) => e instanceof MdeApiError && e.status === 400,
    )
    const done = await full.machineActions.waitFor(action.id, { timeoutMs: 60_000, intervalMs: 250 })
    assert.equal(done.status, 'Succeeded')
  })

  it('runs a hunting query', async () => {
    const res = await client(/Full Access/).runHuntingQuery(
      'DeviceInfo | summarize n = count() by OSPlatform | order by n desc',
    )
    assert.deepEqual(
      res.Schema.map((c) => c.Name),
      ['OSPlatform', 'n'],
    )
    assert.ok(res.Results.length > 0)
  })

  it('reports a missing permission as a 403 naming it', async () => {
    const ro = client(/Read-Only/)
    await assert.rejects(
      ro.machines.isolate((await ro.machines.list({ top: 1 })).value[0]!.id, 'no', 'Full'),
      (e: unknown) => e instanceof MdeApiError && e.status === 403 && /Machine\.Isolate/.test(e.message),
    )
  })

  it('reports a bad secret as a TokenError with its AADSTS code', async () => {
    const app = creds.apps.find((a) => a.clientSecret)!
    const bad = clientSecretCredential({
      authorityHost: creds.authority.slice(0, creds.authority.lastIndexOf('/')),
      tenantId: creds.tenantId,
      clientId: app.clientId,
      clientSecret: 'not-the-secret',
      fetch: tlsFetch,
    })
    await assert.rejects(
      bad.getToken(),
      (e: unknown) => e instanceof TokenError && /^AADSTS7000215/.test(e.description),
    )
  })
})
