import type { Config } from './config.js'
import { startServer } from './app.js'

/**
 * `bulwark serve`: start, print where to reach it, stop cleanly on SIGTERM/SIGINT. The signal handlers
 * are installed as soon as the server listens, so a signal during start-up (demo load, warm-up) also
 * closes the server and the store cleanly. A failed start-up closes everything and is reported.
 */
export async function runServe(config: Config): Promise<number> {
  const server = await startServer(config)
  const { ctx } = server
  const say = (line: string) => {
    if (!config.quiet) process.stderr.write(line + '\n')
  }

  let stopping: Promise<number> | null = null
  const stop = (signal: string): Promise<number> => {
    stopping ??= (async () => {
      ctx.log.info({ signal }, 'shutting down')
      try {
        await server.close()
        return 0
      } catch (err) {
        ctx.log.error({ err }, 'shutdown failed')
        return 1
      }
    })()
    return stopping
  }
  const signalled = new Promise<number>((resolveExit) => {
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolveExit))
    process.once('SIGINT', () => void stop('SIGINT').then(resolveExit))
  })

  say(`Bulwark listening on ${ctx.publicUrl}`)
  if (ctx.tls) {
    say(`  CA certificate: ${ctx.tls.caFile}`)
    say(`  Node clients:   export NODE_EXTRA_CA_CERTS=${ctx.tls.caFile}`)
    say(`  Python clients: export REQUESTS_CA_BUNDLE=${ctx.tls.caFile}`)
  } else {
    say('  Plain HTTP (--http): Microsoft client libraries will refuse this authority.')
  }

  const started = await Promise.race([
    server.ready.then(
      () => 'ready' as const,
      (err: unknown) => err,
    ),
    signalled.then(() => 'signalled' as const),
  ])
  if (started === 'signalled') return signalled
  if (started !== 'ready') {
    await stop('start-up failure')
    throw started
  }
  say(`Ready: ${ctx.publicUrl}/readyz`)
  return signalled
}
