import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openPostgres } from '../../src/store/postgres-db.js'
import { backends, pgUrl } from '../helpers/stores.js'
import { A1, A2, APP_ID, createHarness, json, M1, M3, OTHER_APP_ID, type Harness } from './api-harness.js'

async function isolate(
  h: Harness,
  machine = M1,
  body: Record<string, unknown> = { Comment: 'x', IsolationType: 'Full' },
) {
  return h.req('POST', `/api/machines/${machine}/isolate`, { body })
}

async function action(h: Harness, id: string) {
  return json(await h.req('GET', `/api/machineactions/${id}`))
}

for (const backend of backends) {
  describe(`machine action lifecycle (${backend.name})`, () => {
    it('Pending → InProgress → Succeeded on the simulated device; the machine follows; one pending per type', async () => {
      const h = await createHarness(backend, {
        options: { actions: { completionDelaySeconds: 10, failureRate: 0, timeoutMinutes: 60 } },
      })
      try {
        const res = await isolate(h)
        assert.equal(res.statusCode, 201)
        const a = json(res)
        assert.equal(
          a['@odata.context'],
          'http://api.securitycenter.microsoft.com/api/$metadata#MachineActions/$entity',
        )
        assert.equal(a.status, 'Pending')
        assert.equal(a.requestor, 'SOC-Automation-App')
        const again = await isolate(h)
        assert.equal(again.statusCode, 400)
        assert.equal((json(again).error as { code: string }).code, 'ActiveRequestAlreadyExists')
        h.clock.advance(4_000)
        assert.equal(await h.api.driver.tick(), 0, 'not due yet')
        h.clock.advance(1_000)
        await h.api.driver.tick()
        assert.equal((await action(h, String(a.id))).status, 'InProgress')
        h.clock.advance(5_000)
        await h.api.driver.tick()
        const done = await action(h, String(a.id))
        assert.equal(done.status, 'Succeeded')
        assert.equal(done.errorHResult, 0)
        assert.equal(done.lastUpdateDateTimeUtc, '2026-11-29T06:00:10Z')
        const m = await h.db.query<{ isolationState: string | null }>(
          'SELECT "isolationState" FROM machines WHERE "id" = $1',
          [M1],
        )
        assert.equal(m[0]!.isolationState, 'Full')
        assert.equal(
          (await isolate(h)).statusCode,
          201,
          'a new isolate is accepted once the previous one finished',
        )
        const un = json(
          await h.req('POST', `/api/machines/${M1}/unisolate`, { body: { Comment: 'release' } }),
        )
        for (let i = 0; i < 2; i++) {
          h.clock.advance(5_000)
          await h.api.driver.tick()
        }
        assert.equal((await action(h, String(un.id))).status, 'Succeeded')
      } finally {
        await h.close()
      }
    })

    it('failure rate, offline devices time out, cancellation', async () => {
      const h = await createHarness(backend, {
        options: { actions: { completionDelaySeconds: 2, failureRate: 1, timeoutMinutes: 30 } },
      })
      try {
        const failed = json(
          await h.req('POST', `/api/machines/${M1}/runAntiVirusScan`, {
            body: { Comment: 'x', ScanType: 'Full' },
          }),
        )
        assert.equal(failed.scope, 'Full')
        const offline = json(await h.req('POST', `/api/machines/${M3}/isolate`, { body: { Comment: 'x' } }))
        const cancelMe = json(
          await h.req('POST', `/api/machines/${M1}/collectInvestigationPackage`, { body: { Comment: 'x' } }),
        )
        const cancelled = await h.req('POST', `/api/machineactions/${String(cancelMe.id)}/cancel`, {
          body: { Comment: 'no longer needed' },
        })
        assert.equal(cancelled.statusCode, 200)
        const c = json(cancelled)
        assert.equal(c.status, 'Cancelled')
        assert.equal(c.cancellationComment, 'no longer needed')
        assert.equal(c.cancellationRequestor, APP_ID)
        assert.equal(c.cancellationDateTimeUtc, '2026-11-29T06:00:00Z')
        assert.equal(
          (await h.req('POST', `/api/machineactions/${String(cancelMe.id)}/cancel`, { body: {} })).statusCode,
          400,
        )
        for (let i = 0; i < 3; i++) {
          h.clock.advance(1_000)
          await h.api.driver.tick()
        }
        const f = await action(h, String(failed.id))
        assert.equal(f.status, 'Failed')
        assert.ok(Number(f.errorHResult) < 0)
        assert.equal(
          (await action(h, String(offline.id))).status,
          'Pending',
          'an offline device never picks the action up',
        )
        h.clock.advance(30 * 60_000)
        await h.api.driver.tick()
        const t = await action(h, String(offline.id))
        assert.equal(t.status, 'TimeOut')
        assert.equal(
          (await action(h, String(cancelMe.id))).status,
          'Cancelled',
          'the driver leaves cancelled actions alone',
        )
        const pkg = await h.req('GET', `/api/machineactions/${String(cancelMe.id)}/getPackageUri`)
        assert.equal(pkg.statusCode, 404)
      } finally {
        await h.close()
      }
    })

    it('several API nodes over one store make each transition once', async () => {
      const a = await createHarness(backend)
      const second =
        backend.name === 'postgres' && pgUrl
          ? await openPostgres({
              url: pgUrl,
              schema: (await a.db.query<{ s: string }>('SELECT current_schema() AS s'))[0]!.s,
            })
          : a.db
      const b = await createHarness(backend, { db: second })
      try {
        const ids: string[] = []
        for (const p of ['isolate', 'restrictCodeExecution', 'collectInvestigationPackage'])
          ids.push(
            String(json(await a.req('POST', `/api/machines/${M1}/${p}`, { body: { Comment: 'x' } })).id),
          )
        b.clock.set(a.clock.nowMs())
        let moves = 0
        for (let i = 0; i < 2; i++) {
          a.clock.advance(5_000)
          b.clock.advance(5_000)
          const [x, y] = await Promise.all([a.api.driver.tick(), b.api.driver.tick()])
          moves += x + y
        }
        assert.equal(moves, 6, 'three actions × two transitions, whichever node made them')
        for (const id of ids) assert.equal((await action(b, id)).status, 'Succeeded')
        const m = await b.db.query<{ codeExecutionRestricted: boolean }>(
          'SELECT "codeExecutionRestricted" FROM machines WHERE "id" = $1',
          [M1],
        )
        assert.equal(m[0]!.codeExecutionRestricted, true)
      } finally {
        await b.close()
        if (second !== a.db) await second.close()
        await a.close()
      }
    })
  })

  describe(`rate limits (${backend.name})`, () => {
    it('429 with Retry-After naming the quota; counters shared by every node over the store; per app and family', async () => {
      const profile = { default: { perMinute: 3 }, families: { 'alerts.batchUpdate': { perMinute: 1 } } }
      const a = await createHarness(backend, { rateLimits: profile })
      const second =
        backend.name === 'postgres' && pgUrl
          ? await openPostgres({
              url: pgUrl,
              schema: (await a.db.query<{ s: string }>('SELECT current_schema() AS s'))[0]!.s,
            })
          : a.db
      const b = await createHarness(backend, { db: second, rateLimits: profile })
      try {
        const token = a.admin
        b.clock.set(a.clock.nowMs())
        assert.equal((await a.req('GET', '/api/alerts', { token })).statusCode, 200)
        assert.equal(
          (
            await b.req('GET', '/api/alerts', {
              token: await b.auth.token({ permissions: ['Alert.Read.All'] }),
            })
          ).statusCode,
          200,
        )
        assert.equal(
          (
            await b.req('GET', '/api/alerts', {
              token: await b.auth.token({ permissions: ['Alert.Read.All'] }),
            })
          ).statusCode,
          200,
        )
        const limited = await a.req('GET', '/api/alerts', { token })
        assert.equal(limited.statusCode, 429)
        assert.equal(limited.headers['retry-after'], '60')
        const e = json(limited).error as { code: string; message: string }
        assert.equal(e.code, 'TooManyRequests')
        assert.match(e.message, /3 calls per minute/)
        // Another route family and another application have their own quota.
        assert.equal((await a.req('GET', '/api/machines', { token })).statusCode, 200)
        assert.equal(
          (
            await a.req('GET', '/api/alerts', {
              token: await a.auth.token({ appId: OTHER_APP_ID, permissions: ['Alert.Read.All'] }),
            })
          ).statusCode,
          200,
        )
        assert.equal(
          (await a.req('POST', '/api/alerts/batchUpdate', { body: { alertIds: [A2], comment: 'x' } }))
            .statusCode,
          200,
        )
        assert.equal(
          (await b.req('POST', '/api/alerts/batchUpdate', { body: { alertIds: [A2], comment: 'x' } }))
            .statusCode,
          429,
        )
        a.clock.advance(45_000)
        assert.equal((await a.req('GET', '/api/alerts', { token })).headers['retry-after'], '15')
        a.clock.advance(15_000)
        assert.equal((await a.req('GET', '/api/alerts', { token })).statusCode, 200, 'a new window')
        await a.api.deps.rateLimiter.flush() // DuckDB counts in memory and writes them behind
        assert.ok((await a.api.deps.rateLimiter.sweep()) > 0)
      } finally {
        await b.close()
        if (second !== a.db) await second.close()
        await a.close()
      }
    })
  })

  describe(`indicators, paging, audit (${backend.name})`, () => {
    it('Ti.ReadWrite sees only its own indicators, Ti.ReadWrite.All all; upsert by value; tenant cap', async () => {
      const h = await createHarness(backend, { options: { indicatorCap: 3 } })
      try {
        const mine = await h.auth.token({ permissions: ['Ti.ReadWrite'] })
        const other = await h.auth.token({ appId: OTHER_APP_ID, permissions: ['Ti.ReadWrite'] })
        const body = (v: string) => ({
          indicatorValue: v,
          indicatorType: 'DomainName',
          action: 'Block',
          title: 't',
          description: 'd',
          rbacGroupNames: 'Finance, Nope',
        })
        const a = json(await h.req('POST', '/api/indicators', { token: mine, body: body('a.example') }))
        assert.deepEqual(a.rbacGroupNames, ['Finance', 'Nope'])
        assert.deepEqual(a.rbacGroupIds, ['102'])
        assert.equal(a.sourceType, 'AadApp')
        assert.equal(a.createdBy, APP_ID)
        await h.req('POST', '/api/indicators', { token: other, body: body('b.example') })
        const again = json(
          await h.req('POST', '/api/indicators', {
            token: mine,
            body: { ...body('A.EXAMPLE'), action: 'Warn' },
          }),
        )
        assert.equal(again.id, a.id, 'same type + value updates the indicator')
        assert.equal(again.action, 'Warn')
        const ids = (t: string) =>
          h
            .req('GET', '/api/indicators', { token: t })
            .then((r) => (json(r).value as { indicatorValue: string }[]).map((x) => x.indicatorValue))
        assert.deepEqual(await ids(mine), ['a.example'])
        assert.deepEqual(await ids(other), ['b.example'])
        assert.deepEqual(await ids(h.admin), ['a.example', 'b.example'])
        assert.equal(
          (await h.req('POST', '/api/indicators', { token: other, body: body('a.example') })).statusCode,
          403,
        )
        assert.equal(
          (await h.req('DELETE', `/api/indicators/${String(a.id)}`, { token: other })).statusCode,
          404,
        )
        assert.equal(
          (
            await h.req('POST', '/api/indicators/BatchDelete', {
              token: other,
              body: { IndicatorIds: [String(a.id)] },
            })
          ).statusCode,
          403,
        )
        await h.req('POST', '/api/indicators', { body: body('c.example') })
        const capped = await h.req('POST', '/api/indicators', { body: body('d.example') })
        assert.equal(capped.statusCode, 403)
        assert.equal((json(capped).error as { code: string }).code, 'DisallowedOperation')
        assert.equal(
          (await h.req('DELETE', `/api/indicators/${String(a.id)}`, { token: mine })).statusCode,
          204,
        )
        assert.equal(
          (await h.req('DELETE', `/api/indicators/${String(a.id)}`, { token: mine })).statusCode,
          404,
        )
      } finally {
        await h.close()
      }
    })

    it('pages with @odata.nextLink when $top is absent, $count, /$count, $select', async () => {
      const h = await createHarness(backend, { options: { pageSize: 2 } })
      try {
        const p1 = json(await h.req('GET', '/api/alerts?$count=true&$orderby=id'))
        assert.equal(p1['@odata.count'], 3)
        assert.equal((p1.value as unknown[]).length, 2)
        const next = new URL(String(p1['@odata.nextLink']))
        assert.equal(next.host, 'api.securitycenter.microsoft.com', 'nextLink echoes the called host')
        const p2 = json(await h.req('GET', next.pathname + next.search))
        assert.equal((p2.value as unknown[]).length, 1)
        assert.equal(p2['@odata.nextLink'], undefined)
        assert.equal(
          (await h.req('GET', '/api/machines/findbytag?tag=VIP&useStartsWithFilter=true')).statusCode,
          200,
        )
        assert.equal((await h.req('GET', "/api/alerts/$count?$filter=severity eq 'high'")).body, '1')
        const sel = json(await h.req('GET', '/api/alerts?$top=1&$select=id,severity'))
        assert.deepEqual(Object.keys((sel.value as object[])[0]!), ['id', 'severity'])
        const empty = await h.req('GET', '/api/machines', {
          token: await h.auth.token({
            kind: 'user',
            permissions: ['Machine.Read'],
            rbac: ['ViewData.SecurityOperations'],
            groups: [999],
          }),
        })
        assert.equal(empty.statusCode, 404, 'MDE answers 404 when there are no machines')
      } finally {
        await h.close()
      }
    })

    it('every mutating call writes an audit event that administrators can list', async () => {
      const h = await createHarness(backend)
      try {
        const res = await h.req('PATCH', `/api/alerts/${A1}`, {
          body: { status: 'Resolved', comment: 'closed' },
        })
        const alert = json(res)
        assert.equal(alert.status, 'Resolved')
        assert.equal(alert.resolvedTime, '2026-11-29T06:00:00Z')
        assert.equal((alert.comments as unknown[]).length, 2)
        await h.req('POST', `/api/machines/${M1}/isolate`, { body: { Comment: 'x' } })
        await h.req('POST', `/api/machines/${M1}/isolate`, { body: { Comment: 'x' } })
        const forbidden = await h.req('POST', `/api/machines/${M1}/unisolate`, {
          body: { Comment: 'x' },
          token: await h.auth.token({ permissions: ['Machine.Read.All'] }),
        })
        assert.equal(forbidden.statusCode, 403)
        const events = json(
          await h.req(
            'GET',
            "/api/auditEvents?$orderby=time&$filter=targetId eq '" + M1 + "' or targetId eq '" + A1 + "'",
          ),
        ).value as Record<string, unknown>[]
        assert.deepEqual(
          events.map((e) => [e.operation, e.result]).sort(),
          [
            ['alerts.update', 200],
            ['machines.isolate', 201],
            ['machines.isolate', 400],
            ['machines.unisolate', 403],
          ].sort(),
        )
        const upd = events.find((e) => e.operation === 'alerts.update')!
        assert.equal(upd.actor, 'SOC-Automation-App')
        assert.equal(upd.correlationId, (alert as { id: string }).id ? upd.correlationId : '')
        assert.match(String(upd.correlationId), /^[0-9a-f-]{36}$/)
        const notAdmin = await h.req('GET', '/api/auditEvents', {
          token: await h.auth.token({ permissions: ['Alert.ReadWrite.All'] }),
        })
        assert.equal(notAdmin.statusCode, 403)
      } finally {
        await h.close()
      }
    })
  })
}
