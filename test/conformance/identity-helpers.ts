import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { ServerModule, RunningServer } from '../../src/server/app.js'
import type { ConfigInput } from '../../src/server/config.js'
import { identityAuthorizer } from '../../src/server/wire-identity.js'
import type { DemoCredentials } from '../../src/identity/seed-demo.js'
import { bearerGuard } from '../../src/identity/fastify-guard.js'
import type { RouteRequirement } from '../../src/identity/principal.js'
import { demoCredentials, startTestServer } from '../helpers/server.js'

/** The repository root (holds package.json and node_modules), whether running from test/ or dist/test/. */
export const ROOT = (() => {
  let dir = dirname(new URL(import.meta.url).pathname)
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) dir = resolve(dir, '..')
  return dir
})()

export const MDE = 'https://api.securitycenter.microsoft.com'

/**
 * A probe API route guarded exactly like an MDE route: GET /api/_identity-probe needs Alert.Read.All |
 * Alert.ReadWrite.All (app) or Alert.Read | Alert.ReadWrite (delegated) + ViewData.SecurityOperations.
 * It answers with what the authorizer decided, so client tests can assert on a real bearer check.
 */
export const probeRequirement: RouteRequirement = {
  application: ['Alert.Read.All', 'Alert.ReadWrite.All'],
  delegated: ['Alert.Read', 'Alert.ReadWrite'],
  rbac: ['ViewData.SecurityOperations'],
}

export const probeModule: ServerModule = {
  name: 'identity-probe',
  register(app) {
    app.get(
      '/api/_identity-probe',
      { preHandler: bearerGuard(identityAuthorizer(app), probeRequirement) },
      async (req, reply) => {
        const p = req.principal!
        return reply.send({
          kind: p.kind,
          appId: p.appId,
          upn: p.userPrincipalName,
          permissions: [...p.permissions],
        })
      },
    )
  },
}

export interface IdentityTestServer {
  server: RunningServer
  url: string
  host: string
  creds: DemoCredentials
  dataDir: string
  caFile: string
  close(): Promise<void>
}

export async function startIdentityServer(flags: ConfigInput = {}): Promise<IdentityTestServer> {
  // Only store + identity (+ the probe route): these tests are about the authorization server, and the
  // demo module's data generation would add seconds per server.
  const s = await startTestServer({
    prefix: 'bulwark-identity-',
    modules: ['store', 'identity'],
    extra: [probeModule],
    flags: { demo: true, ...flags },
  })
  const creds: DemoCredentials = existsSync(join(s.dataDir, 'demo-credentials.json'))
    ? demoCredentials(s.dataDir)
    : { tenantId: '', tenantDomain: '', authority: '', apiBaseUrl: '', caFile: null, apps: [], users: [] }
  return { ...s, host: new URL(s.url).host, creds, caFile: s.server.ctx.tls?.caFile ?? '' }
}

export function app(creds: DemoCredentials, kind: 'full' | 'readonly' | 'public' | 'cert') {
  const names = {
    full: 'Bulwark Demo Full Access',
    readonly: 'Bulwark Demo Read-Only',
    public: 'Bulwark Demo Public Client',
    cert: 'Bulwark Demo Certificate App',
  }
  const a = creds.apps.find((x) => x.name === names[kind])
  if (!a) throw new Error(`no demo app ${kind}`)
  return a
}

export function user(creds: DemoCredentials, local: string) {
  const u = creds.users.find((x) => x.upn.startsWith(local + '@'))
  if (!u) throw new Error(`no demo user ${local}`)
  return u
}

export interface ChildRun {
  lines: AsyncIterable<string>
  stdin: NodeJS.WritableStream
  done: Promise<{ code: number | null; stdout: string; stderr: string }>
}

/**
 * Runs a real client in a child process (NODE_EXTRA_CA_CERTS / REQUESTS_CA_BUNDLE must be set before the
 * client's process starts). `program` is `node` with an ESM source, or `/usr/bin/python3` with a script.
 */
export function runClient(
  kind: 'node' | 'python',
  source: string,
  conf: unknown,
  caFile: string,
  timeoutMs = 60_000,
): ChildRun {
  const cmd = kind === 'node' ? process.execPath : '/usr/bin/python3'
  const args = kind === 'node' ? ['--input-type=module', '-e', source] : ['-c', source]
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: caFile,
    REQUESTS_CA_BUNDLE: caFile,
    CONF: JSON.stringify(conf),
  }
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const waiting: ((l: string | null) => void)[] = []
  const queued: (string | null)[] = []
  let partial = ''
  const push = (l: string | null) => {
    const w = waiting.shift()
    if (w) w(l)
    else queued.push(l)
  }
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString()
    partial += b.toString()
    const parts = partial.split('\n')
    partial = parts.pop() ?? ''
    for (const p of parts) if (p.trim()) push(p)
  })
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      if (partial.trim()) push(partial)
      push(null)
      res({ code, stdout, stderr })
    }),
  )
  const lines: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<string>>((res) => {
          const deliver = (l: string | null) =>
            res(l === null ? { done: true, value: undefined } : { done: false, value: l })
          if (queued.length) deliver(queued.shift()!)
          else waiting.push(deliver)
        }),
    }),
  }
  return { lines, stdin: child.stdin, done }
}

/** Runs a client to completion and parses the last stdout line as JSON. */
export async function runClientJson<T = Record<string, unknown>>(
  kind: 'node' | 'python',
  source: string,
  conf: unknown,
  caFile: string,
): Promise<T> {
  const r = await runClient(kind, source, conf, caFile).done
  const last = r.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(last) as T
  } catch {
    throw new Error(`client failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >
}
