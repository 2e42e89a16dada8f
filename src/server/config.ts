import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { z } from 'zod'
import { ConfigError } from '../core/errors.js'

/**
 * The one typed configuration object. Sources, lowest precedence first: built-in defaults, a JSON
 * config file (`--config FILE` or BULWARK_CONFIG), `BULWARK_*` environment variables, command-line
 * flags. Environment names map one to one: `port` → BULWARK_PORT, `postgresUrl` → BULWARK_POSTGRES_URL,
 * nested `hunting.rowLimit` → BULWARK_HUNTING__ROW_LIMIT. Nothing outside this file reads process.env.
 * docs/configuration.md describes every setting.
 */
export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./.bulwark'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8443),
    /** Serve plain HTTP instead of HTTPS (explicit opt-in; Microsoft's clients refuse plain HTTP). */
    http: z.coerce.boolean().default(false),
    /** Extra DNS names (or IPs) for the server certificate, beyond localhost/127.0.0.1/::1. */
    tlsNames: z.array(z.string().min(1)).default([]),
    /** Public base URL when behind a proxy or in drop-in mode; derived from host/port otherwise. */
    publicUrl: z.url().optional(),
    store: z.enum(['duckdb', 'postgres']).default('duckdb'),
    postgresUrl: z.string().optional(),
    postgresSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
      .optional(),
    /**
     * SQL text (characters) each PostgreSQL connection may keep as prepared statements for repeated
     * hunting queries (`StatementReuse`); 0 turns them off (e.g. behind a pooler without prepared
     * statement support).
     */
    postgresPreparedTextBudget: z.coerce
      .number()
      .int()
      .min(0)
      .max(16 * 1024 * 1024)
      .default(128 * 1024),
    demo: z.coerce.boolean().default(false),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    devices: z.coerce.number().int().min(1).max(5000).default(50),
    /** Pin the product clock (ISO time); the demo and all time-relative logic read it. */
    clockStart: z.iso.datetime({ offset: true }).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Pretty human output on the terminal (summary lines) in addition to JSON logs. */
    quiet: z.coerce.boolean().default(false),
    rateLimits: z
      .object({
        profile: z.enum(['mde', 'off', 'custom']).default('mde'),
        file: z.string().optional(),
      })
      .default({ profile: 'mde' }),
    actions: z
      .object({
        /** Seconds a demo device takes to pick up and complete a machine action. */
        completionDelaySeconds: z.coerce.number().min(0).max(86400).default(5),
        /** Share (0–1) of demo-device actions that fail. */
        failureRate: z.coerce.number().min(0).max(1).default(0),
        timeoutMinutes: z.coerce
          .number()
          .min(1)
          .default(60 * 24 * 3),
      })
      .default({ completionDelaySeconds: 5, failureRate: 0, timeoutMinutes: 4320 }),
    api: z
      .object({
        /** Seconds a GET response of the MDE API is served from the node's read cache; 0 disables it. */
        readCacheSeconds: z.coerce.number().min(0).max(3600).default(2),
      })
      .default({ readCacheSeconds: 2 }),
    hunting: z
      .object({
        rowLimit: z.coerce.number().int().min(1).default(100_000),
        timeoutSeconds: z.coerce.number().min(1).default(200),
        resultBytesLimit: z.coerce
          .number()
          .int()
          .min(1024)
          .default(64 * 1024 * 1024),
        cpuSecondsPerHour: z.coerce.number().min(1).default(3600),
        cpuSecondsPerDay: z.coerce
          .number()
          .min(1)
          .default(3600 * 24),
        externalDataAllowList: z.array(z.string()).default([]),
      })
      .default({
        rowLimit: 100_000,
        timeoutSeconds: 200,
        resultBytesLimit: 64 * 1024 * 1024,
        cpuSecondsPerHour: 3600,
        cpuSecondsPerDay: 86400,
        externalDataAllowList: [],
      }),
    identity: z
      .object({
        accessTokenLifetimeSeconds: z.coerce.number().int().min(300).max(86400).default(3599),
        signingKeyRotationDays: z.coerce.number().min(1).default(30),
      })
      .default({ accessTokenLifetimeSeconds: 3599, signingKeyRotationDays: 30 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.store === 'postgres' && !c.postgresUrl)
      ctx.addIssue({ code: 'custom', path: ['postgresUrl'], message: 'is required when store is "postgres"' })
  })

export type Config = z.infer<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>

type Json = Record<string, unknown>

const camelToEnv = (k: string) => k.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()

/** Reads BULWARK_* variables into the nested shape the schema expects. */
export function configFromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {}
  const shape = configSchema.shape as Record<string, z.ZodType>
  const visit = (target: Json, key: string, prefix: string, schema: z.ZodType) => {
    const name = prefix + camelToEnv(key)
    const inner = unwrap(schema)
    if (inner instanceof z.ZodObject) {
      const sub: Json = {}
      const subShape = inner.shape as Record<string, z.ZodType>
      for (const [k, s] of Object.entries(subShape)) visit(sub, k, name + '__', s)
      if (Object.keys(sub).length) target[key] = sub
      return
    }
    const raw = env[name]
    if (raw === undefined) return
    if (inner instanceof z.ZodArray)
      target[key] = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    else if (inner instanceof z.ZodBoolean) target[key] = parseBool(raw, name)
    else target[key] = raw
  }
  for (const [k, s] of Object.entries(shape)) visit(out, k, 'BULWARK_', s)
  return out
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType
    else if (cur instanceof z.ZodPipe) cur = cur.out as z.ZodType
    else return cur
  }
}

function parseBool(raw: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off|)$/i.test(raw)) return false
  throw new ConfigError(`${name}: expected true or false, got "${raw}"`)
}

function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k]
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? deepMerge(prev as Json, v as Json)
        : v
  }
  return out
}

export interface LoadConfigInput {
  flags?: Json
  env?: NodeJS.ProcessEnv
  /** Path of a JSON config file; BULWARK_CONFIG when omitted. */
  file?: string
}

/** Merges every source, validates, and throws ConfigError naming each bad setting by its path. */
export function loadConfig(input: LoadConfigInput = {}): Config {
  const env = input.env ?? process.env
  const file = input.file ?? env.BULWARK_CONFIG
  let fromFile: Json = {}
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(resolve(file), 'utf8')) as Json
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  const merged = deepMerge(deepMerge(fromFile, configFromEnv(env)), input.flags ?? {})
  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}
