import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { DEMO_ENTITY_TABLES } from '../../src/demo/loader.js'
import { demoTenantId } from '../../src/schema/demo-tenant.js'
import { huntingTables } from '../../src/schema/hunting-tables.js'
import { openDuckDb } from '../../src/store/duckdb-db.js'

/**
 * kill -9 during first start / demo load, then restart: the demo must end up complete and identical
 * to an uninterrupted load (same seed, devices and pinned clock). Runs the real CLI from the build.
 */
const bin = fileURLToPath(new URL('../../../bin/bulwark.js', import.meta.url))
const SEED = 3
const DEVICES = 4
const args = (dir: string) => [
  bin,
  'serve',
  '--demo',
  '--http',
  '--port',
  '0',
  '--data-dir',
  dir,
  '--seed',
  String(SEED),
  '--devices',
  String(DEVICES),
  '--clock-start',
  '2025-03-04T10:30:00Z',
]

const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bulwark-demo-crash-'))
  dirs.push(d)
  return d
}

interface Run {
  child: ChildProcess
  exited: Promise<number | null>
  url(): string
  /** Resolves when the output matches (rejects if the process exits first or after 60 s). */
  until(re: RegExp): Promise<void>
}

function serve(dir: string): Run {
  const child = spawn(process.execPath, args(dir), { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const waiters: { re: RegExp; resolve: () => void }[] = []
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const w of [...waiters])
      if (w.re.test(out)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)))
  return {
    child,
    exited,
    url: () => /Ready: (\S+)\/readyz/.exec(out)?.[1] ?? '',
    until: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(out)) return resolve()
        const timer = setTimeout(() => {
          child.kill('SIGKILL')
          reject(new Error(`timed out waiting for ${re}:\n${out.slice(-3000)}`))
        }, 180_000) // a hang guard, not a time budget: a loaded 2-core box needs well over a minute
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        })
        void exited.then((code) => {
          clearTimeout(timer)
          if (!re.test(out)) reject(new Error(`exited (${code}) before ${re}:\n${out.slice(-3000)}`))
        })
      }),
  }
}

async function completeRun(dir: string): Promise<void> {
  const run = serve(dir)
  await run.until(/^Ready: /m)
  // The CLI installs its SIGTERM handler just after printing "Ready:"; an HTTP round trip first
  // keeps this test clear of that window (see the report).
  const res = await fetch(run.url() + '/readyz')
  assert.equal(res.status, 200)
  run.child.kill('SIGTERM')
  assert.equal(await run.exited, 0)
}

async function killedRun(dir: string, at: RegExp): Promise<void> {
  const run = serve(dir)
  await run.until(at)
  run.child.kill('SIGKILL')
  await run.exited
}

/** Per table: row count and an order-independent content hash of the demo tenant's rows. */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const db = await openDuckDb({ path: join(dir, 'bulwark.duckdb') })
  const tenant = demoTenantId(SEED)
  const out: Record<string, string> = {}
  try {
    for (const t of huntingTables) {
      const [r] = await db.query<{ n: number; h: string }>(
        `SELECT count(*) AS n, sum(hash(t))::VARCHAR AS h FROM "${t.name}" t WHERE t."TenantId" = $1`,
        [tenant],
      )
      out[t.name] = `${r!.n}:${r!.h}`
    }
    for (const t of DEMO_ENTITY_TABLES) {
      const [r] = await db.query<{ n: number; h: string }>(
        `SELECT count(*) AS n, sum(hash(t))::VARCHAR AS h FROM ${t} t WHERE t."tenantId" = $1`,
        [tenant],
      )
      out[t] = `${r!.n}:${r!.h}`
    }
  } finally {
    await db.close()
  }
  return out
}

describe('demo: kill -9 during first start or demo load', () => {
  let reference: Record<string, string>

  it('an uninterrupted load is the reference (and a restart keeps it unchanged)', async () => {
    const dir = tempDir()
    await completeRun(dir)
    reference = await fingerprint(dir)
    for (const t of huntingTables) assert.notEqual(reference[t.name]!.split(':')[0], '0', t.name)
    await completeRun(dir)
    assert.deepEqual(await fingerprint(dir), reference)
  })

  for (const [name, at] of [
    ['right after listening (migrations, identity seeding)', /Bulwark listening on/],
    ['while wiping before the load', /removing any partial demo data/],
    ['half-way through the hunting rows', /demo load (5\d|6\d|7\d)%/],
    ['after the last rows, before the marker commits', /demo load 100%/],
  ] as const)
    it(`recovers when killed ${name}`, async () => {
      const dir = tempDir()
      await killedRun(dir, at)
      await completeRun(dir)
      assert.deepEqual(await fingerprint(dir), reference)
    })
})
