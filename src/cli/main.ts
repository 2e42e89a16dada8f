import { parseArgs } from 'node:util'
import { ConfigError, errorMessage, BulwarkError } from '../core/errors.js'
import { loadConfig } from '../server/config.js'
import { runServe } from '../server/serve.js'
import { adminCommands } from './admin.js'

const USAGE = `Usage: bulwark <command> [options]

Commands:
  serve                 start the server (HTTPS by default)
  ${adminCommands.summary}

serve options (each also settable as BULWARK_<NAME> or in a JSON file given by --config):
  --data-dir DIR        data directory (default ./.bulwark)
  --host HOST           listen address (default 127.0.0.1)
  --port PORT           listen port (default 8443)
  --http                serve plain HTTP (explicit opt-in; Microsoft's clients need HTTPS)
  --tls-name NAME       extra certificate name, repeatable
  --public-url URL      base URL clients use, when it differs from host:port
  --store duckdb|postgres
  --postgres-url URL    PostgreSQL connection URL (store postgres)
  --postgres-schema S   PostgreSQL schema (default: public)
  --demo                create and load the demo tenant
  --seed N              demo generator seed (default 1)
  --devices N           demo device count, 1-5000 (default 50)
  --clock-start ISO     pin the product clock's start instant
  --log-level LEVEL     fatal|error|warn|info|debug|trace|silent
  --config FILE         JSON config file
`

const serveOptions = {
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  http: { type: 'boolean' },
  'tls-name': { type: 'string', multiple: true },
  'public-url': { type: 'string' },
  store: { type: 'string' },
  'postgres-url': { type: 'string' },
  'postgres-schema': { type: 'string' },
  demo: { type: 'boolean' },
  seed: { type: 'string' },
  devices: { type: 'string' },
  'clock-start': { type: 'string' },
  'log-level': { type: 'string' },
  config: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

/** Turns parsed serve flags into the config shape (`--tls-name` → tlsNames, others camelCased). */
export function flagsToConfig(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || k === 'config' || k === 'help') continue
    if (k === 'tls-name') out.tlsNames = v
    else out[camel(k)] = v
  }
  return out
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(USAGE)
      return command ? 0 : 2
    }
    if (command === 'serve') {
      const { values } = parseArgs({
        args: rest,
        options: serveOptions,
        strict: true,
        allowPositionals: false,
      })
      if (values.help) {
        process.stdout.write(USAGE)
        return 0
      }
      const config = loadConfig({
        flags: flagsToConfig(values),
        ...(values.config ? { file: values.config } : {}),
      })
      return await runServe(config)
    }
    if (adminCommands.has(command)) return await adminCommands.run(command, rest)
    process.stderr.write(`bulwark: unknown command "${command}"\n\n${USAGE}`)
    return 2
  } catch (err) {
    if (
      err instanceof ConfigError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`bulwark: ${errorMessage(err)}\n`)
      return 2
    }
    if (err instanceof BulwarkError) {
      process.stderr.write(`bulwark: ${err.message}\n`)
      return 1
    }
    process.stderr.write(`bulwark: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return 1
  }
}
