import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from './identity-helpers.js'

/**
 * Drop-in mode: clients keep Microsoft's default authority (login.microsoftonline.com) and API host;
 * only name resolution and CA trust change. Runs in a fresh network namespace (loopback only) whose
 * /etc/hosts points both names at 127.0.0.1, with the server on port 443. Needs root and iproute2.
 */
const canRun =
  process.getuid?.() === 0 && existsSync('/usr/sbin/ip')
    ? false
    : 'needs root and /usr/sbin/ip (network namespaces)'

describe('drop-in mode (network namespace, port 443, Microsoft host names)', { skip: canRun }, () => {
  it('msal-node, @azure/identity and MSAL Python with default authorities get tokens and call the API', () => {
    const ns = `bulwark-${randomBytes(4).toString('hex')}`
    const etc = join('/etc/netns', ns)
    execFileSync('ip', ['netns', 'add', ns])
    try {
      mkdirSync(etc, { recursive: true })
      writeFileSync(
        join(etc, 'hosts'),
        '127.0.0.1 localhost login.microsoftonline.com api.securitycenter.microsoft.com\n',
      )
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'])
      const compiled = import.meta.url.endsWith('.js')
      const runner = join(
        ROOT,
        compiled
          ? 'dist/test/conformance/identity-dropin-runner.js'
          : 'test/conformance/identity-dropin-runner.ts',
      )
      const node = compiled ? [process.execPath, runner] : [process.execPath, '--import', 'tsx', runner]
      const r = spawnSync('ip', ['netns', 'exec', ns, ...node], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      })
      const last = (r.stdout ?? '').trim().split('\n').pop() ?? ''
      let out: Record<
        string,
        { status?: number; body?: { kind?: string }; failed?: string; error?: string | null }
      >
      try {
        out = JSON.parse(last) as typeof out
      } catch {
        throw new Error(`runner failed (${r.status}): ${r.stdout}\n${r.stderr}`)
      }
      assert.equal(out.msal?.status, 200, JSON.stringify(out.msal))
      assert.equal(out.msal?.body?.kind, 'application')
      assert.equal(out.azureIdentity?.status, 200, JSON.stringify(out.azureIdentity))
      assert.equal(out.python?.status, 200, JSON.stringify(out.python))
      assert.equal(out.python?.body?.kind, 'user')
    } finally {
      spawnSync('ip', ['netns', 'delete', ns])
      rmSync(etc, { recursive: true, force: true })
    }
  })
})
