/**
 * Error base for everything Bulwark raises on purpose. Each wire surface (MDE API, Entra identity,
 * admin API) has its own catalogue of subclasses and its own serialiser; this base carries only what
 * every surface needs. `expose` says whether the message may reach the client; when it is false the
 * serialiser sends a generic message with the correlation id and the details go to the log.
 */
export class BulwarkError extends Error {
  readonly status: number
  readonly code: string
  readonly expose: boolean
  readonly details: Record<string, unknown> | undefined

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { cause?: unknown; expose?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.status = status
    this.code = code
    this.expose = opts.expose ?? status < 500
    this.details = opts.details
  }
}

/** Invalid configuration: the CLI prints the message and exits with code 2, writing nothing. */
export class ConfigError extends BulwarkError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(400, 'InvalidConfiguration', message, opts)
  }
}

/** A state the program must never reach; used in exhaustive switches. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`)
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
