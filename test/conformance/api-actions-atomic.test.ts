import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { catalogueMigrations } from '../../src/store/catalogue-migrations.js'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrations.js'
import { openPostgres } from '../../src/store/postgres-db.js'
import { backends, pgUrl } from '../helpers/stores.js'
import { createHarness, json, M1, M2, seedTenant, type Harness } from './api-harness.js'

/**
 * "A second pending action of the same type → 400 ActiveRequestAlreadyExists" holds when the two
 * requests arrive at the same moment on two API instances over one store (PostgreSQL: two processes'
 * worth of connection pools on one schema; DuckDB: two app instances on the one store a process opens).
 */
const ACTIONS = [
  { path: 'isolate', body: { Comment: 'race', IsolationType: 'Full' } },
  { path: 'runAntiVirusScan', body: { Comment: 'race', ScanType: 'Quick' } },
  { path: 'collectInvestigationPackage', body: { Comment: 'race' } },
  { path: 'restrictCodeExecution', body: { Comment: 'race' } },
]

for (const backend of backends)
  describe(`machine actions: the duplicate check is atomic across API instances (${backend.name})`, () => {
    let a: Harness
    let b: Harness
    const dbs: Db[] = []
    before(async () => {
      const first = await backend.open()
      dbs.push(first)
      await migrate(first, catalogueMigrations)
      await seedTenant(first)
      let second = first
      if (backend.name === 'postgres') {
        // Another node: its own pool on the same schema (search_path of the first store's connections).
        const [row] = await first.query<{ s: string }>('SELECT current_schema() AS s')
        second = await openPostgres({ url: pgUrl!, schema: row!.s })
        dbs.push(second)
      }
      a = await createHarness(backend, { db: first })
      b = await createHarness(backend, { db: second })
    })
    after(async () => {
      await a.close()
      await b.close()
      for (const db of dbs.reverse()) await db.close()
    })

    it('two simultaneous requests of the same type on one device: one 201, one 400', async () => {
      let rounds = 0
      for (const machine of [M1, M2])
        for (const action of ACTIONS) {
          const url = `/api/machines/${machine}/${action.path}`
          const [r1, r2] = await Promise.all([
            a.req('POST', url, { body: action.body }),
            b.req('POST', url, { body: action.body }),
          ])
          const statuses = [r1.statusCode, r2.statusCode].sort()
          if (statuses[0] === 400 && /OsPlatformNotSupported/.test(r1.body + r2.body)) continue
          assert.deepEqual(statuses, [201, 400], `${url}: ${r1.body} / ${r2.body}`)
          const refused = r1.statusCode === 400 ? r1 : r2
          assert.equal((json(refused).error as { code: string }).code, 'ActiveRequestAlreadyExists')
          const pending = await a.db.query<{ n: number }>(
            `SELECT count(*) AS n FROM machine_actions WHERE "machineId" = $1 AND "status" IN ('Pending', 'InProgress') AND "requestorComment" = 'race' AND lower("type") = lower($2)`,
            [machine, String((json(r1.statusCode === 201 ? r1 : r2) as { type: string }).type)],
          )
          assert.equal(Number(pending[0]!.n), 1)
          rounds++
        }
      assert.ok(rounds >= 6, `raced ${rounds} times`)
    })
  })
