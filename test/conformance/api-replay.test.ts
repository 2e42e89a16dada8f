import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backends } from '../helpers/stores.js'
import { loadRecorded, type RecordedRequest } from '../helpers/recorded.js'
import { createHarness, json, M1, type Harness } from './api-harness.js'

/** Replays one recorded API request as the client sent it (raw path and query, its headers, its body). */
async function replay(h: Harness, r: RecordedRequest) {
  const headers: Record<string, string> = { host: '127.0.0.1:28081' }
  for (const [k, v] of Object.entries(r.headers))
    headers[k.toLowerCase()] = v === 'Bearer <token>' ? `Bearer ${h.admin}` : v
  return h.app.inject({
    method: r.method as 'GET',
    url: r.path + (r.rawQuery ? `?${r.rawQuery}` : ''),
    headers,
    ...(r.body !== undefined ? { payload: r.body } : {}),
  })
}

/** What each client reads from each response (the parts its code depends on). */
function checkResponse(r: RecordedRequest, status: number, body: Record<string, unknown>): void {
  const p = r.path.toLowerCase()
  if (r.method === 'GET' && /\/machines$/.test(p)) {
    assert.equal(status, 200)
    const v = body.value as Record<string, unknown>[]
    assert.equal(v[0]!.id, M1, 'responder takes value[0].id as the machine id')
  } else if (p.includes('findbyip(')) {
    assert.equal(status, 200)
    assert.ok(Array.isArray(body.value))
  } else if (
    /\/(isolate|unisolate|runantivirusscan|restrictcodeexecution|unrestrictcodeexecution)$/.test(p)
  ) {
    assert.equal(status, 201, JSON.stringify(body))
    assert.equal(body.status, 'Pending')
    assert.equal(typeof body.id, 'string')
  } else if (p.endsWith('/startinvestigation')) {
    assert.equal(status, 201, JSON.stringify(body))
    assert.equal(typeof body.id, 'string')
    assert.equal(body.state, 'Running')
  } else if (p.endsWith('/indicators')) {
    assert.equal(status, 200, JSON.stringify(body))
    assert.match(String(body.id), /^\d+$/)
    assert.equal(body.indicatorValue, (JSON.parse(r.body!) as { indicatorValue: string }).indicatorValue)
  } else if (p === '/api/alerts') {
    assert.equal(status, 200)
    assert.ok((body.value as unknown[]).length > 0)
  } else assert.fail(`no expectation for ${r.method} ${r.path}`)
}

const skipped = (r: RecordedRequest) =>
  /\/oauth2\//.test(r.path) // token requests: the identity module replays those
    ? 'token'
    : /\/advancedqueries\/run$/i.test(r.path) // the hunting module replays those
      ? 'hunting'
      : null

for (const backend of backends) {
  describe(`recorded client requests replay (${backend.name})`, () => {
    for (const file of ['thehive-cortex-msdefenderendpoints.json', 'cloudnative-python-azure-mdatp.json'])
      it(`${file}: every API request gets the status and shape the client relies on`, async () => {
        const h = await createHarness(backend)
        try {
          let replayed = 0
          for (const r of loadRecorded(file)) {
            if (skipped(r)) continue
            const res = await replay(h, r)
            const body = res.body ? json(res) : {}
            checkResponse(r, res.statusCode, body)
            replayed++
            // The responder runs once per case: between runs the device completes the action.
            h.clock.advance(60_000)
            await h.api.driver.tick()
          }
          assert.ok(replayed > 0)
        } finally {
          await h.close()
        }
      })
  })
}
