/**
 * The benchmarks' HTTP client: node:http with one kept-alive connection. The API variants measure the
 * server's latency as a client sees it; undici's fetch adds ~1.5 ms of client-side work per request
 * on these machines (measured against this client on a no-op route), which is the client library's
 * cost, not the product's, so the benches do not use it.
 */
import { Agent, request } from 'node:http'

export interface JsonResponse {
  status: number
  body: unknown
}

export function jsonClient(origin: string) {
  const base = new URL(origin)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const send = (method: string, path: string, token: string, body?: unknown): Promise<JsonResponse> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method,
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            try {
              const text = Buffer.concat(chunks).toString('utf8')
              resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null })
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)))
            }
          })
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  return {
    get: (path: string, token: string) => send('GET', path, token),
    post: (path: string, token: string, body: unknown) => send('POST', path, token, body),
    close: () => agent.destroy(),
  }
}
