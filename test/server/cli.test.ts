import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { X509Certificate } from 'node:crypto'
import { runCli, startCliServer } from '../helpers/cli.js'

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bulwark-cli-'))
  dirs.push(d)
  return d
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('bulwark serve: bad configuration', () => {
  it('exits 2 naming each bad setting and writes nothing', async () => {
    const dir = join(tempDir(), 'never-created')
    const r = await runCli(['serve', '--data-dir', dir, '--port', '70000', '--devices', '9999'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /port:/)
    assert.match(r.stderr, /devices:/)
    assert.equal(existsSync(dir), false)
  })

  it('exits 2 on an unknown flag', async () => {
    const r = await runCli(['serve', '--prot', '1'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /prot/)
  })

  it('exits 2 on a bad environment variable', async () => {
    const r = await runCli(['serve', '--data-dir', join(tempDir(), 'x')], {
      env: { BULWARK_STORE: 'oracle' },
    })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /store:/)
  })

  it('exits 2 on an unknown command', async () => {
    const r = await runCli(['frobnicate'])
    assert.equal(r.code, 2)
  })
})

describe('bulwark serve: lifecycle', () => {
  it('serves HTTPS with a generated CA, reuses it on restart, and stops on SIGTERM', async () => {
    const dir = tempDir()
    const args = ['--data-dir', dir, '--port', '0', '--tls-name', 'bulwark.test', '--log-level', 'warn']
    const s1 = await startCliServer(args, { waitReady: true })
    const caFile = join(dir, 'tls', 'ca.pem')
    assert.match(s1.output(), new RegExp(`NODE_EXTRA_CA_CERTS=${caFile}`))
    const ca = readFileSync(caFile, 'utf8')
    const cert = new X509Certificate(readFileSync(join(dir, 'tls', 'server.pem')))
    assert.match(cert.subjectAltName ?? '', /DNS:localhost/)
    assert.match(cert.subjectAltName ?? '', /DNS:bulwark\.test/)
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/)
    assert.deepEqual(await httpsGet(s1.url + '/healthz', ca), { status: 200, body: '{"status":"alive"}' })
    assert.equal((await httpsGet(s1.url + '/readyz', ca)).status, 200)
    s1.child.kill('SIGTERM')
    assert.deepEqual(await s1.exited, { code: 0, signal: null })

    const s2 = await startCliServer(args, { waitReady: true })
    assert.equal(readFileSync(caFile, 'utf8'), ca, 'the CA is reused')
    assert.equal((await httpsGet(s2.url + '/healthz', ca)).status, 200)
    s2.child.kill('SIGINT')
    assert.equal((await s2.exited).code, 0)
  })

  it('refuses a DuckDB file that another process holds, with a clear message', async () => {
    const dir = tempDir()
    const s1 = await startCliServer(['--data-dir', dir, '--port', '0', '--http', '--log-level', 'warn'])
    try {
      const r = await runCli(['serve', '--data-dir', dir, '--port', '0', '--http', '--log-level', 'warn'])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /in use by another process/)
    } finally {
      s1.child.kill('SIGTERM')
      await s1.exited
    }
  })
})

describe('bulwark serve: a store from a newer version', () => {
  it('exits 1 with a clear message and leaves the store untouched', async () => {
    const dir = tempDir()
    const args = ['--data-dir', dir, '--port', '0', '--http', '--log-level', 'warn']
    const s1 = await startCliServer(args, { waitReady: true })
    s1.child.kill('SIGTERM')
    await s1.exited
    const { openDuckDb } = await import('../../src/store/duckdb-db.js')
    const db = await openDuckDb({ path: join(dir, 'bulwark.duckdb') })
    await db.execute("INSERT INTO bulwark_migrations (id, applied_at) VALUES ('9999-from-the-future', now())")
    await db.close()
    const r = await runCli(['serve', ...args])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /written by a newer version of Bulwark.*9999-from-the-future/)
  })
})

describe('bulwark serve: signals during start-up', () => {
  it('closes cleanly on SIGTERM before it is ready', async () => {
    const dir = tempDir()
    const s = await startCliServer([
      '--data-dir',
      dir,
      '--port',
      '0',
      '--http',
      '--demo',
      '--devices',
      '3',
      '--log-level',
      'warn',
    ])
    s.child.kill('SIGTERM')
    assert.deepEqual(await s.exited, { code: 0, signal: null })
    assert.doesNotMatch(s.output(), /^Ready: /m)
  })
})
