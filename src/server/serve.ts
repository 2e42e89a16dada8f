import type { Config } from './config.js'
import { startServer } from './app.js'

/** `bulwark serve`: start, print where to reach it, stop cleanly on SIGTERM/SIGINT. */
export async function runServe(config: Config): Promise<number> {
  const server = await startServer(config)
  const { ctx } = server
  const say = (line: string) => {
    if (!config.quiet) process.stderr.write(line + '\n')
  }
  say(`Bulwark listening on ${ctx.publicUrl}`)
  if (ctx.tls) {
    say(`  CA certificate: ${ctx.tls.caFile}`)
    say(`  Node clients:   export NODE_EXTRA_CA_CERTS=${ctx.tls.caFile}`)
    say(`  Python clients: export REQUESTS_CA_BUNDLE=${ctx.tls.caFile}`)
  } else {
    say('  Plain HTTP (--http): Microsoft client libraries will refuse this authority.')
  }
  await server.ready
  say(`Ready: ${ctx.publicUrl}/readyz`)

  return new Promise<number>((resolveExit) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      ctx.log.info({ signal }, 'shutting down')
      server.close().then(
        () => resolveExit(0),
        (err: unknown) => {
          ctx.log.error({ err }, 'shutdown failed')
          resolveExit(1)
        },
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}
