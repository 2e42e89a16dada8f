import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EntraError, entraErrorBody } from './entra-error.js'

describe('Entra error bodies', () => {
  it('carry error, AADSTS description with trace/correlation/timestamp, codes and ids', () => {
    const err = new EntraError(7000215, ['app-1'])
    assert.equal(err.status, 401)
    assert.equal(err.error, 'invalid_client')
    const body = entraErrorBody(err, {
      correlationId: 'abc-123',
      now: new Date('2026-01-02T03:04:05.678Z'),
      baseUrl: 'https://sts.test',
    })
    assert.equal(body.error, 'invalid_client')
    assert.deepEqual(body.error_codes, [7000215])
    assert.equal(body.timestamp, '2026-01-02 03:04:05Z')
    assert.equal(body.correlation_id, 'abc-123')
    assert.match(body.trace_id, /^[0-9a-f-]{36}$/)
    assert.ok(body.error_description.startsWith('AADSTS7000215: Invalid client secret provided.'))
    assert.ok(body.error_description.includes("app 'app-1'"))
    assert.ok(
      body.error_description.endsWith(
        `\r\nTrace ID: ${body.trace_id}\r\nCorrelation ID: abc-123\r\nTimestamp: 2026-01-02 03:04:05Z`,
      ),
    )
    assert.equal(body.error_uri, 'https://sts.test/error?code=7000215')
  })
  it('never echoes an unsafe correlation id and supports suberror / overrides', () => {
    const err = new EntraError(50173, [], { suberror: 'bad_token' })
    const body = entraErrorBody(err, { correlationId: 'bad value\r\n', now: new Date(0), baseUrl: 'x' })
    assert.notEqual(body.correlation_id, 'bad value\r\n')
    assert.equal(body.suberror, 'bad_token')
    assert.equal(new EntraError(90120, [], { error: 'invalid_grant' }).error, 'invalid_grant')
    assert.equal(new EntraError('9002313.rt').code, 9002313)
  })
})
