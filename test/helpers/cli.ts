import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
export const binPath = repoRoot + 'bin/bulwark.js'

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `bulwark <args>` to completion (bounded by `timeoutMs`). */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

export interface ServerProcess {
  child: ChildProcess
  url: string
  output(): string
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Starts `bulwark serve <args>` and resolves once it printed its URL (and, with waitReady, once it
 * printed "Ready:"). Always pass `--port 0`.
 */
export function startCliServer(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; waitReady?: boolean; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, 'serve', ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let url: string | undefined
    let settled = false
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('close', (code, signal) => res({ code, signal })),
    )
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      child.kill('SIGKILL')
      reject(new Error(`server did not start in time:\n${out}`))
    }, opts.timeoutMs ?? 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      url ??= /Bulwark listening on (\S+)/.exec(out)?.[1]
      const ready = !opts.waitReady || /^Ready: /m.test(out)
      if (url && ready && !settled) {
        settled = true
        clearTimeout(timer)
        resolve({ child, url, output: () => out, exited })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    void exited.then(({ code, signal }) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      reject(new Error(`server exited early (code ${code}, signal ${signal}):\n${out}`))
    })
  })
}
