import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { backends } from '../helpers/stores.js'
import { A1, createHarness, json, M1, type Harness } from './api-harness.js'

/** Every error is a 4xx in MDE's envelope with the request's correlation id as target. */
function mdeError(res: LightMyRequestResponse, status: number, code?: string): void {
  assert.equal(res.statusCode, status, res.body)
  const e = json(res).error as { code: string; message: string; target: string }
  assert.equal(typeof e.message, 'string')
  assert.match(e.target, /^[0-9a-f-]{36}$/)
  if (code) assert.equal(e.code, code, e.message)
}

for (const backend of backends) {
  describe(`bad input is a 4xx in MDE's shape, never a 500 (${backend.name})`, () => {
    let h: Harness
    before(async () => {
      h = await createHarness(backend)
    })
    after(() => h.close())

    it('malformed JSON, wrong shapes and types', async () => {
      mdeError(
        await h.req('POST', `/api/machines/${M1}/isolate`, { rawBody: '{"Comment": "x",' }),
        400,
        'InvalidRequestBody',
      )
      mdeError(await h.req('POST', `/api/machines/${M1}/isolate`, { rawBody: '' }), 400, 'InvalidRequestBody')
      mdeError(
        await h.req('POST', `/api/machines/${M1}/isolate`, { body: ['Comment'] }),
        400,
        'InvalidRequestBody',
      )
      mdeError(await h.req('POST', `/api/machines/${M1}/isolate`, { body: 'x' }), 400, 'InvalidRequestBody')
      mdeError(
        await h.req('POST', `/api/machines/${M1}/isolate`, { body: { Comment: 5 } }),
        400,
        'InvalidRequestBody',
      )
      mdeError(
        await h.req('POST', `/api/machines/${M1}/isolate`, { body: { comment: 'wrong casing' } }),
        400,
        'InvalidRequestBody',
      )
      mdeError(
        await h.req('POST', `/api/machines/${M1}/unisolate`, { body: {} }),
        400,
        'MissingRequiredParameter',
      )
      mdeError(
        await h.req('POST', '/api/alerts/batchUpdate', { body: { alertIds: 'x' } }),
        400,
        'InvalidRequestBody',
      )
      mdeError(await h.req('PATCH', `/api/alerts/${A1}`, { body: {} }), 400, 'InvalidRequestBody')
      mdeError(
        await h.req('POST', '/api/indicators', { body: { indicatorValue: 'x' } }),
        400,
        'MissingRequiredParameter',
      )
      mdeError(
        await h.req('POST', `/api/machines/${M1}/runliveresponse`, {
          body: { Commands: [{ type: 'RunScript', params: 'x' }] },
        }),
        400,
        'InvalidRequestBody',
      )
    })

    it('unknown enum values and invalid identifiers', async () => {
      mdeError(
        await h.req('POST', `/api/machines/${M1}/runAntiVirusScan`, {
          body: { Comment: 'c', ScanType: 'Deep' },
        }),
        400,
        'InvalidInput',
      )
      mdeError(await h.req('PATCH', `/api/alerts/${A1}`, { body: { status: 'Closed' } }), 400, 'InvalidInput')
      mdeError(
        await h.req('PATCH', `/api/alerts/${A1}`, { body: { determination: 'Apt' } }),
        400,
        'InvalidInput',
      )
      mdeError(
        await h.req('POST', `/api/machines/${M1}/StopAndQuarantineFile`, {
          body: { Comment: 'c', Sha1: 'zz' },
        }),
        400,
        'InvalidHashValue',
      )
      mdeError(
        await h.req('POST', '/api/indicators', {
          body: {
            indicatorValue: '10.0.0.0/8',
            indicatorType: 'IpAddress',
            action: 'Block',
            title: 't',
            description: 'd',
          },
        }),
        400,
        'InvalidIpAddress',
      )
      mdeError(
        await h.req('POST', '/api/indicators', {
          body: {
            indicatorValue: 'x',
            indicatorType: 'FileSha1',
            action: 'Block',
            title: 't',
            description: 'd',
          },
        }),
        400,
        'InvalidHashValue',
      )
      mdeError(
        await h.req('POST', '/api/indicators', {
          body: {
            indicatorValue: 'a.example',
            indicatorType: 'DomainName',
            action: 'Audit',
            title: 't',
            description: 'd',
          },
        }),
        400,
        'InvalidInput',
      )
      mdeError(await h.req('GET', '/api/files/not-a-hash'), 400, 'InvalidHashValue')
      mdeError(await h.req('GET', '/api/ips/300.1.1.1/alerts'), 400, 'InvalidIpAddress')
      mdeError(await h.req('GET', '/api/domains/-bad-/stats'), 400, 'InvalidDomainName')
      mdeError(
        await h.req('GET', '/api/files/' + 'a'.repeat(40) + '/stats?lookBackHours=9999'),
        400,
        'InvalidInput',
      )
      mdeError(
        await h.req('GET', "/api/machines/findbyip(ip='1.2.3.999',timestamp=2026-11-29T05:00:00Z)"),
        400,
        'InvalidIpAddress',
      )
      mdeError(
        await h.req('GET', "/api/machines/findbyip(ip='1.2.3.4',timestamp=yesterday)"),
        400,
        'InvalidInput',
      )
      mdeError(
        await h.req('GET', "/api/machines/findbyip(ip='1.2.3.4',timestamp=2020-01-01T00:00:00Z)"),
        400,
        'InvalidInput',
      )
      mdeError(await h.req('GET', '/api/machines/findbytag'), 400, 'MissingRequiredParameter')
    })

    it('batches over the limits', async () => {
      const ids = Array.from({ length: 501 }, () => M1)
      mdeError(
        await h.req('POST', '/api/machines/AddOrRemoveTagForMultipleMachines', {
          body: { Value: 'x', Action: 'Add', MachineIds: ids },
        }),
        400,
        'MaximumBatchSizeExceeded',
      )
      mdeError(
        await h.req('POST', '/api/indicators/import', { body: { Indicators: ids.map(() => ({})) } }),
        400,
        'MaximumBatchSizeExceeded',
      )
      mdeError(
        await h.req('POST', '/api/indicators/BatchDelete', { body: { IndicatorIds: ids } }),
        400,
        'MaximumBatchSizeExceeded',
      )
      mdeError(
        await h.req('POST', '/api/alerts/batchUpdate', {
          body: { alertIds: Array.from({ length: 1001 }, () => A1), comment: 'x' },
        }),
        400,
        'MaximumBatchSizeExceeded',
      )
    })

    it('bodies over the size limit and unsupported media types', async () => {
      mdeError(
        await h.req('POST', '/api/alerts/batchUpdate', {
          rawBody: JSON.stringify({ alertIds: [A1], comment: 'x'.repeat(1_100_000) }),
        }),
        413,
        'InvalidRequestBody',
      )
      const res = await h.app.inject({
        method: 'POST',
        url: `/api/machines/${M1}/isolate`,
        headers: { authorization: `Bearer ${h.admin}`, 'content-type': 'application/xml' },
        payload: '<Comment/>',
      })
      mdeError(res, 415, 'InvalidRequestBody')
      const plain = await h.app.inject({
        method: 'POST',
        url: `/api/machines/${M1}/isolate`,
        headers: { authorization: `Bearer ${h.admin}`, 'content-type': 'text/plain' },
        payload: 'Comment=x',
      })
      mdeError(plain, 400, 'InvalidRequestBody')
    })

    it('unknown routes, path traversal and oversized ids', async () => {
      mdeError(await h.req('GET', '/api/nothing-here'), 404, 'NotFound')
      mdeError(await h.req('GET', '/api/v1.0/machines/x/nothing'), 404, 'NotFound')
      mdeError(await h.req('DELETE', '/api/alerts'), 404, 'NotFound')
      mdeError(await h.req('GET', '/api/machines/..%2F..%2Fetc%2Fpasswd'), 404, 'ResourceNotFound')
      mdeError(await h.req('GET', '/api/machines/%2e%2e'), 404)
      mdeError(await h.req('DELETE', '/api/libraryfiles/..%2F..%2Fbulwark.duckdb'), 404, 'ResourceNotFound')
      mdeError(await h.req('GET', '/api/alerts/' + "x'; DROP TABLE alerts; --"), 404, 'ResourceNotFound')
      mdeError(await h.req('GET', '/api/machineactions/' + 'a'.repeat(600)), 414, 'BadRequest')
      mdeError(await h.req('GET', '/api/machines/%zz'), 400, 'BadRequest')
      mdeError(await h.req('GET', '/api/machines/nope(ip=1)'), 404, 'NotFound')
      mdeError(await h.req('GET', "/api/machines/findbyip(ip='1.2.3.4'"), 404, 'ResourceNotFound')
      assert.equal((await h.req('GET', '/api/alerts')).statusCode, 200, 'tables still intact')
    })

    it('absurd $top/$skip and deeply nested $filter', async () => {
      for (const q of [
        '$top=99999999999999',
        '$top=10001',
        '$top=-1',
        '$top=abc',
        '$skip=-5',
        '$skip=1e9',
        '$top=1&$top=2',
        '$search=x',
        '$expand=machine',
        '$orderby=evidence',
      ])
        mdeError(await h.req('GET', `/api/alerts?${q}`), 400, 'ODataError')
      const deep = encodeURIComponent('('.repeat(200) + "status eq 'New'" + ')'.repeat(200))
      mdeError(await h.req('GET', `/api/alerts?$filter=${deep}`), 400, 'ODataError')
      const notnot = encodeURIComponent('not '.repeat(5000) + "status eq 'New'")
      mdeError(await h.req('GET', `/api/alerts?$filter=${notnot}`), 400, 'ODataError')
      const e = json(await h.req('GET', `/api/alerts?$filter=${encodeURIComponent("contains(title,'x')")}`))
        .error as { message: string }
      assert.match(e.message, /contains/)
    })

    it('random $filter/$orderby/$top text never produces a 500', async () => {
      const text = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc
          .array(
            fc.constantFrom(
              'status',
              'eq',
              "'New'",
              'and',
              'or',
              'not',
              '(',
              ')',
              'severity',
              'in',
              ',',
              'lastUpdateTime',
              'ge',
              '2026-01-01Z',
              'null',
              '/',
              'any',
              ':',
              "'",
              '1',
              'startswith',
            ),
            { maxLength: 30 },
          )
          .map((a) => a.join(' ')),
      )
      await fc.assert(
        fc.asyncProperty(
          text,
          fc.constantFrom('$filter', '$orderby', '$top', '$select', '$expand', '$skip'),
          async (t, opt) => {
            const res = await h.req('GET', `/api/machines?${opt}=${encodeURIComponent(t)}`)
            assert.ok(res.statusCode < 500, `${opt}=${t} → ${res.statusCode} ${res.body}`)
            if (res.statusCode >= 400) mdeError(res, res.statusCode)
          },
        ),
        { numRuns: 300 },
      )
    })
  })
}
