import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { BulwarkError } from '../core/errors.js'
import { AdminClient } from './admin-client.js'

/**
 * `bulwark tenant|app|secret|cert|permission|consent|user|role|group <action> …` over the admin API.
 * Common options: --data-dir DIR (admin-credentials.json there), --credentials FILE, --url URL,
 * --tenant GUID|domain (default: the only non-system tenant), --json.
 */

type Values = Record<string, string | boolean | string[] | undefined>
interface Ctx {
  client: AdminClient
  v: Values
  args: string[]
  json: boolean
}
type Action = (c: Ctx) => Promise<unknown>

const COMMON = {
  'data-dir': { type: 'string' },
  credentials: { type: 'string' },
  url: { type: 'string' },
  tenant: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  public: { type: 'boolean' },
  'allow-password': { type: 'boolean' },
  'redirect-uri': { type: 'string', multiple: true },
  permission: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  days: { type: 'string' },
  file: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string', multiple: true },
  permissions: { type: 'string' },
  'all-groups': { type: 'boolean' },
  groups: { type: 'string' },
  description: { type: 'string' },
  rank: { type: 'string' },
  tag: { type: 'string', multiple: true },
  os: { type: 'string', multiple: true },
  'name-prefix': { type: 'string', multiple: true },
  domain: { type: 'string', multiple: true },
  resource: { type: 'string' },
  kind: { type: 'string' },
  limit: { type: 'string' },
} as const

const arg = (c: Ctx, i: number, what: string): string => {
  const v = c.args[i]
  if (!v) throw new BulwarkError(400, 'Usage', `missing ${what}`)
  return v
}
const str = (c: Ctx, k: string): string | undefined => (typeof c.v[k] === 'string' ? c.v[k] : undefined)
const list = (c: Ctx, k: string): string[] => (Array.isArray(c.v[k]) ? c.v[k] : [])
const enc = encodeURIComponent

async function tenantOf(c: Ctx): Promise<string> {
  const t = str(c, 'tenant')
  if (t) return enc(t)
  const all = await c.client.call<{ value: { id: string; isSystem: boolean }[] }>('GET', '/tenants')
  const real = all.value.filter((x) => !x.isSystem)
  if (real.length !== 1) throw new BulwarkError(400, 'Usage', `--tenant is required (${real.length} tenants)`)
  return real[0]!.id
}
const T = async (c: Ctx, rest = '') => `/tenants/${await tenantOf(c)}${rest}`
const A = async (c: Ctx, rest = '') => T(c, `/applications/${enc(arg(c, 0, 'application id'))}${rest}`)

const COMMANDS: Record<string, Record<string, Action>> = {
  tenant: {
    list: (c) => c.client.call('GET', '/tenants'),
    show: (c) => c.client.call('GET', `/tenants/${enc(arg(c, 0, 'tenant'))}`),
    create: (c) =>
      c.client.call('POST', '/tenants', {
        displayName: str(c, 'name') ?? arg(c, 0, 'domain'),
        domain: arg(c, 0, 'domain'),
      }),
    delete: (c) => c.client.call('DELETE', `/tenants/${enc(arg(c, 0, 'tenant'))}`),
    'add-domain': (c) =>
      c.client.call('POST', `/tenants/${enc(arg(c, 0, 'tenant'))}/domains`, { domain: arg(c, 1, 'domain') }),
  },
  app: {
    list: async (c) => c.client.call('GET', await T(c, '/applications')),
    show: async (c) => c.client.call('GET', await A(c)),
    create: async (c) => {
      const isPublic = c.v.public === true
      return c.client.call('POST', await T(c, '/applications'), {
        displayName: str(c, 'name') ?? arg(c, 0, '--name'),
        publicClient: isPublic,
        allowPasswordGrant: c.v['allow-password'] === true,
        redirectUris: list(c, 'redirect-uri'),
        [isPublic ? 'delegatedPermissions' : 'applicationPermissions']: list(c, 'permission'),
      })
    },
    enable: async (c) => c.client.call('PATCH', await A(c), { enabled: true }),
    disable: async (c) => c.client.call('PATCH', await A(c), { enabled: false }),
    delete: async (c) => c.client.call('DELETE', await A(c)),
  },
  secret: {
    add: async (c) =>
      c.client.call('POST', await A(c, '/secrets'), {
        ...(str(c, 'name') ? { displayName: str(c, 'name') } : {}),
        ...(str(c, 'days') ? { expiresInDays: Number(str(c, 'days')) } : {}),
      }),
    list: async (c) => c.client.call('GET', await A(c, '/credentials')),
    remove: async (c) =>
      c.client.call('DELETE', await A(c, `/credentials/${enc(arg(c, 1, 'credential id'))}`)),
  },
  cert: {
    add: async (c) =>
      c.client.call('POST', await A(c, '/certificates'), {
        pem: readFileSync(str(c, 'file') ?? arg(c, 1, '--file PEM'), 'utf8'),
        ...(str(c, 'name') ? { displayName: str(c, 'name') } : {}),
      }),
    list: async (c) => c.client.call('GET', await A(c, '/credentials')),
    remove: async (c) =>
      c.client.call('DELETE', await A(c, `/credentials/${enc(arg(c, 1, 'credential id'))}`)),
  },
  permission: {
    list: async (c) => c.client.call('GET', await A(c, '/permissions')),
    grant: async (c) =>
      c.client.call('POST', await A(c, '/permissions'), {
        permissions: c.args.slice(1),
        ...(str(c, 'resource') ? { resource: str(c, 'resource') } : {}),
      }),
    revoke: async (c) =>
      c.client.call(
        'DELETE',
        (await A(c, `/permissions/${enc(arg(c, 1, 'permission'))}`)) +
          (str(c, 'resource') ? `?resource=${enc(str(c, 'resource')!)}` : ''),
      ),
  },
  consent: {
    list: async (c) => c.client.call('GET', await A(c, '/consents')),
    grant: async (c) =>
      c.client.call('POST', await A(c, '/consents'), {
        scopes: c.args.slice(1),
        ...(str(c, 'user') ? { user: str(c, 'user') } : {}),
      }),
    revoke: async (c) =>
      c.client.call(
        'DELETE',
        (await A(c, `/consents/${enc(arg(c, 1, 'scope'))}`)) +
          (str(c, 'user') ? `?user=${enc(str(c, 'user')!)}` : ''),
      ),
    admin: async (c) => c.client.call('POST', await A(c, '/adminConsent')),
  },
  user: {
    list: async (c) => c.client.call('GET', await T(c, '/users')),
    show: async (c) => c.client.call('GET', await T(c, `/users/${enc(arg(c, 0, 'user'))}`)),
    create: async (c) =>
      c.client.call('POST', await T(c, '/users'), {
        userPrincipalName: arg(c, 0, 'user principal name'),
        displayName: str(c, 'name') ?? arg(c, 0, 'upn'),
        ...(str(c, 'password') ? { password: str(c, 'password') } : {}),
        roleIds: list(c, 'role').map(Number),
      }),
    enable: async (c) =>
      c.client.call('PATCH', await T(c, `/users/${enc(arg(c, 0, 'user'))}`), { enabled: true }),
    disable: async (c) =>
      c.client.call('PATCH', await T(c, `/users/${enc(arg(c, 0, 'user'))}`), { enabled: false }),
    'set-password': async (c) =>
      c.client.call('PATCH', await T(c, `/users/${enc(arg(c, 0, 'user'))}`), {
        password: str(c, 'password') ?? arg(c, 1, '--password'),
      }),
    delete: async (c) => c.client.call('DELETE', await T(c, `/users/${enc(arg(c, 0, 'user'))}`)),
    'assign-role': async (c) =>
      c.client.call('POST', await T(c, `/users/${enc(arg(c, 0, 'user'))}/roles`), {
        roleId: Number(arg(c, 1, 'role id')),
      }),
    'unassign-role': async (c) =>
      c.client.call(
        'DELETE',
        await T(c, `/users/${enc(arg(c, 0, 'user'))}/roles/${enc(arg(c, 1, 'role id'))}`),
      ),
    'revoke-sessions': async (c) =>
      c.client.call('POST', await T(c, `/users/${enc(arg(c, 0, 'user'))}/revokeSessions`)),
    audit: async (c) =>
      c.client.call(
        'GET',
        await T(
          c,
          `/audit?limit=${enc(str(c, 'limit') ?? '50')}${str(c, 'kind') ? `&kind=${enc(str(c, 'kind')!)}` : ''}`,
        ),
      ),
  },
  role: {
    list: async (c) => c.client.call('GET', await T(c, '/roles')),
    set: async (c) =>
      c.client.call('PUT', await T(c, `/roles/${enc(arg(c, 0, 'role id'))}`), {
        name: str(c, 'name') ?? arg(c, 0, '--name'),
        description: str(c, 'description') ?? '',
        permissions: (str(c, 'permissions') ?? '').split(',').filter(Boolean),
        allDeviceGroups: c.v['all-groups'] === true,
        deviceGroupIds: (str(c, 'groups') ?? '').split(',').filter(Boolean).map(Number),
      }),
    delete: async (c) => c.client.call('DELETE', await T(c, `/roles/${enc(arg(c, 0, 'role id'))}`)),
  },
  group: {
    list: async (c) => c.client.call('GET', await T(c, '/device-groups')),
    set: async (c) =>
      c.client.call('PUT', await T(c, `/device-groups/${enc(arg(c, 0, 'group id'))}`), {
        name: str(c, 'name') ?? arg(c, 0, '--name'),
        description: str(c, 'description') ?? '',
        rank: Number(str(c, 'rank') ?? arg(c, 0, '--rank')),
        rules: {
          ...(list(c, 'tag').length ? { tags: list(c, 'tag') } : {}),
          ...(list(c, 'os').length ? { osPlatforms: list(c, 'os') } : {}),
          ...(list(c, 'name-prefix').length ? { namePrefixes: list(c, 'name-prefix') } : {}),
          ...(list(c, 'domain').length ? { domains: list(c, 'domain') } : {}),
        },
      }),
    delete: async (c) => c.client.call('DELETE', await T(c, `/device-groups/${enc(arg(c, 0, 'group id'))}`)),
  },
}

export const ADMIN_COMMAND_NAMES = Object.keys(COMMANDS)

function usage(command: string): string {
  const actions = Object.keys(COMMANDS[command] ?? {}).join('|')
  return `Usage: bulwark ${command} ${actions} [args] [--tenant T] [--json] [--data-dir DIR | --credentials FILE] [--url URL]\nSee docs/identity.md (Administration).\n`
}

function human(out: unknown): string {
  if (out === undefined || out === null) return 'done'
  const value = (out as { value?: unknown }).value
  const rows = Array.isArray(value) ? (value as Record<string, unknown>[]) : null
  if (!rows) return JSON.stringify(out, null, 2)
  if (!rows.length) return '(none)'
  const keys = Object.keys(rows[0]!).filter((k) =>
    ['string', 'number', 'boolean'].includes(typeof rows[0]![k]),
  )
  return rows.map((r) => keys.map((k) => `${k}=${String(r[k] as string)}`).join('  ')).join('\n')
}

export async function runAdminCommand(command: string, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: COMMON,
    allowPositionals: true,
    strict: true,
  })
  const [action, ...args] = positionals
  const table = COMMANDS[command]
  const fn = action ? table?.[action] : undefined
  if (!fn || values.help) {
    process.stdout.write(usage(command))
    return values.help ? 0 : 2
  }
  const client = new AdminClient({
    dataDir: values['data-dir'],
    credentials: values.credentials,
    url: values.url,
  })
  const out = await fn({ client, v: values, args, json: values.json === true })
  process.stdout.write((values.json ? JSON.stringify(out ?? { ok: true }, null, 2) : human(out)) + '\n')
  return 0
}
