import type { TokenProvider } from './credentials.js'
import { MdeApiError } from './errors.js'
import type {
  Alert,
  AlertEvidence,
  HuntingResponse,
  Indicator,
  Investigation,
  Machine,
  MachineAction,
} from './types.js'

export interface ODataQuery {
  filter?: string
  top?: number
  skip?: number
  orderby?: string
  select?: readonly string[]
  expand?: readonly string[]
}

export interface Page<T> {
  value: T[]
  /** URL of the next page when the server pages (`@odata.nextLink`). */
  nextLink: string | null
}

export interface MdeClientOptions {
  /** API base URL, e.g. https://api.securitycenter.microsoft.com or https://127.0.0.1:8443. */
  baseUrl: string
  credential: TokenProvider
  fetch?: typeof fetch
  /** Retries after a 429, honouring Retry-After (default 2). */
  maxRetries?: number
}

export type IsolationType = 'Full' | 'Selective'
export type ScanType = 'Quick' | 'Full'

function queryString(q: ODataQuery | undefined): string {
  if (!q) return ''
  const p: string[] = []
  if (q.filter) p.push('$filter=' + encodeURIComponent(q.filter))
  if (q.top !== undefined) p.push('$top=' + String(q.top))
  if (q.skip !== undefined) p.push('$skip=' + String(q.skip))
  if (q.orderby) p.push('$orderby=' + encodeURIComponent(q.orderby))
  if (q.select?.length) p.push('$select=' + encodeURIComponent(q.select.join(',')))
  if (q.expand?.length) p.push('$expand=' + encodeURIComponent(q.expand.join(',')))
  return p.length ? '?' + p.join('&') : ''
}

const seg = (id: string) => encodeURIComponent(id)

/**
 * A typed client for the MDE REST API. Works against Bulwark and against MDE itself: only the base URL
 * and the credential differ.
 */
export class MdeClient {
  readonly #base: string
  readonly #credential: TokenProvider
  readonly #fetch: typeof fetch
  readonly #maxRetries: number

  constructor(opts: MdeClientOptions) {
    this.#base = opts.baseUrl.replace(/\/$/, '')
    this.#credential = opts.credential
    this.#fetch = opts.fetch ?? fetch
    this.#maxRetries = opts.maxRetries ?? 2
  }

  /** Sends one request; throws MdeApiError for any non-2xx answer. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = path.startsWith('http') ? path : this.#base + path
    for (let attempt = 0; ; attempt++) {
      const token = await this.#credential.getToken()
      const res = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      if (res.status === 429 && attempt < this.#maxRetries) {
        const wait = Number(res.headers.get('retry-after') ?? '1')
        await new Promise((r) => setTimeout(r, Math.min(60, Number.isFinite(wait) ? wait : 1) * 1000))
        continue
      }
      const text = await res.text()
      const json: unknown = text ? JSON.parse(text) : null
      if (!res.ok) {
        const err = (json as { error?: { code?: string; message?: string; target?: string } } | null)?.error
        const retry = res.headers.get('retry-after')
        throw new MdeApiError(
          res.status,
          err?.code ?? 'HttpError',
          err?.message ?? `HTTP ${res.status}`,
          err?.target ?? null,
          retry === null ? null : Number(retry),
        )
      }
      return json as T
    }
  }

  async #page<T>(path: string): Promise<Page<T>> {
    const json = await this.request<{ value: T[]; '@odata.nextLink'?: string }>('GET', path)
    return { value: json.value, nextLink: json['@odata.nextLink'] ?? null }
  }

  /** Follows `@odata.nextLink` until the collection ends. */
  async *#iterate<T>(path: string): AsyncGenerator<T> {
    let next: string | null = path
    while (next) {
      const page: Page<T> = await this.#page<T>(next)
      yield* page.value
      next = page.nextLink
    }
  }

  readonly alerts = {
    list: (q?: ODataQuery) =>
      this.#page<Alert & { evidence?: AlertEvidence[] }>('/api/alerts' + queryString(q)),
    iterate: (q?: ODataQuery) => this.#iterate<Alert>('/api/alerts' + queryString(q)),
    get: (id: string) => this.request<Alert>('GET', `/api/alerts/${seg(id)}`),
    update: (
      id: string,
      patch: Partial<Pick<Alert, 'status' | 'assignedTo' | 'classification' | 'determination'>> & {
        comment?: string
      },
    ) => this.request<Alert>('PATCH', `/api/alerts/${seg(id)}`, patch),
  }

  readonly machines = {
    list: (q?: ODataQuery) => this.#page<Machine>('/api/machines' + queryString(q)),
    iterate: (q?: ODataQuery) => this.#iterate<Machine>('/api/machines' + queryString(q)),
    get: (id: string) => this.request<Machine>('GET', `/api/machines/${seg(id)}`),
    alerts: (id: string) => this.#page<Alert>(`/api/machines/${seg(id)}/alerts`),
    addTag: (id: string, tag: string) =>
      this.request<Machine>('POST', `/api/machines/${seg(id)}/tags`, { Value: tag, Action: 'Add' }),
    removeTag: (id: string, tag: string) =>
      this.request<Machine>('POST', `/api/machines/${seg(id)}/tags`, { Value: tag, Action: 'Remove' }),
    isolate: (id: string, comment: string, isolationType: IsolationType = 'Full') =>
      this.request<MachineAction>('POST', `/api/machines/${seg(id)}/isolate`, {
        Comment: comment,
        IsolationType: isolationType,
      }),
    unisolate: (id: string, comment: string) =>
      this.request<MachineAction>('POST', `/api/machines/${seg(id)}/unisolate`, { Comment: comment }),
    runAntiVirusScan: (id: string, comment: string, scanType: ScanType = 'Quick') =>
      this.request<MachineAction>('POST', `/api/machines/${seg(id)}/runAntiVirusScan`, {
        Comment: comment,
        ScanType: scanType,
      }),
    restrictCodeExecution: (id: string, comment: string) =>
      this.request<MachineAction>('POST', `/api/machines/${seg(id)}/restrictCodeExecution`, {
        Comment: comment,
      }),
    unrestrictCodeExecution: (id: string, comment: string) =>
      this.request<MachineAction>('POST', `/api/machines/${seg(id)}/unrestrictCodeExecution`, {
        Comment: comment,
      }),
    collectInvestigationPackage: (id: string, comment: string) =>
      this.request<MachineAction>('POST', `/api/machines/${seg(id)}/collectInvestigationPackage`, {
        Comment: comment,
      }),
  }

  readonly machineActions = {
    list: (q?: ODataQuery) => this.#page<MachineAction>('/api/machineactions' + queryString(q)),
    get: (id: string) => this.request<MachineAction>('GET', `/api/machineactions/${seg(id)}`),
    cancel: (id: string, comment: string) =>
      this.request<MachineAction>('POST', `/api/machineactions/${seg(id)}/cancel`, { Comment: comment }),
    /** Polls until the action leaves Pending/InProgress, or `timeoutMs` passes. */
    waitFor: async (id: string, opts: { timeoutMs?: number; intervalMs?: number } = {}) => {
      const deadline = Date.now() + (opts.timeoutMs ?? 120_000)
      for (;;) {
        const a = await this.request<MachineAction>('GET', `/api/machineactions/${seg(id)}`)
        if (a.status !== 'Pending' && a.status !== 'InProgress') return a
        if (Date.now() > deadline) return a
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000))
      }
    },
  }

  readonly indicators = {
    list: (q?: ODataQuery) => this.#page<Indicator>('/api/indicators' + queryString(q)),
    submit: (
      indicator: Partial<Indicator> & Pick<Indicator, 'indicatorValue' | 'indicatorType' | 'action'>,
    ) => this.request<Indicator>('POST', '/api/indicators', indicator),
    delete: (id: string) => this.request<null>('DELETE', `/api/indicators/${seg(id)}`),
  }

  readonly investigations = {
    list: (q?: ODataQuery) => this.#page<Investigation>('/api/investigations' + queryString(q)),
    get: (id: string) => this.request<Investigation>('GET', `/api/investigations/${seg(id)}`),
  }

  /** Runs an advanced-hunting KQL query (`POST /api/advancedqueries/run`). */
  runHuntingQuery(query: string): Promise<HuntingResponse> {
    return this.request<HuntingResponse>('POST', '/api/advancedqueries/run', { Query: query })
  }
}
