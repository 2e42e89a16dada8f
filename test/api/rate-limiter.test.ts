import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RateLimiter, type RateLimitMode } from '../../src/api/rate-limit.js'
import { ManualClock } from '../../src/core/clock.js'
import type { Db } from '../../src/store/db.js'
import { catalogueMigrations } from '../../src/store/catalogue-migrations.js'
import { migrate } from '../../src/store/migrations.js'
import { backends } from '../helpers/stores.js'

/**
 * The rate limiter counts every call, also calls racing at the start of a window, in both modes: `store`
 * (an atomic write per call) and `local` (counted in memory by the one process over the store, written
 * behind).
 */
for (const backend of backends)
  for (const mode of ['store', 'local'] as RateLimitMode[]) {
    describe(`rate limiter counters (${backend.name}, ${mode})`, () => {
      let db: Db
      before(async () => {
        db = await backend.open()
        await migrate(db, catalogueMigrations)
      })
      after(() => db.close())

      const counts = async (tenantId: string) =>
        (
          await db.query<{ bucket: string; count: number | bigint }>(
            'SELECT "bucket", "count" FROM rate_limit_counters WHERE "tenantId" = $1 ORDER BY "bucket"',
            [tenantId],
          )
        ).map((r) => [r.bucket, Number(r.count)])

      it('concurrent first calls of a window are all counted, in every window', async () => {
        const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 30))
        const rl = new RateLimiter(
          db,
          clock,
          { default: { perMinute: 1000, perHour: 1000 }, families: {} },
          { mode },
        )
        const out = await Promise.all(Array.from({ length: 20 }, () => rl.check(`t1${mode}`, 'app', 'f')))
        assert.ok(out.every((d) => d.ok))
        await rl.flush()
        assert.deepEqual(await counts(`t1${mode}`), [
          ['app|f|3600', 20],
          ['app|f|60', 20],
        ])
        // A new minute: a new minute counter, the hour counter goes on.
        clock.advance(60_000)
        await Promise.all(Array.from({ length: 5 }, () => rl.check(`t1${mode}`, 'app', 'f')))
        await rl.flush()
        assert.deepEqual(
          (await counts(`t1${mode}`)).filter(([b]) => b === 'app|f|3600'),
          [['app|f|3600', 25]],
        )
      })

      it('refuses the call after the limit with the window and Retry-After', async () => {
        const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 15))
        const rl = new RateLimiter(db, clock, { default: { perMinute: 3 }, families: {} }, { mode })
        for (let i = 0; i < 3; i++) assert.deepEqual(await rl.check(`t2${mode}`, 'app', 'f'), { ok: true })
        assert.deepEqual(await rl.check(`t2${mode}`, 'app', 'f'), {
          ok: false,
          retryAfterSeconds: 45,
          limit: 3,
          window: 'minute',
        })
      })

      if (mode === 'local' || backend.name === 'postgres')
        it('concurrent calls over the limit: exactly the limit get through', async () => {
          const clock = new ManualClock(Date.UTC(2026, 10, 29, 13, 0, 5))
          const rl = new RateLimiter(db, clock, { default: { perMinute: 10 }, families: {} }, { mode })
          const out = await Promise.all(Array.from({ length: 25 }, () => rl.check(`t3${mode}`, 'app', 'f')))
          assert.equal(out.filter((d) => d.ok).length, 10)
        })

      if (mode === 'local') {
        /** Another handle on the same store (a restarted process): it shares no memory with `db`. */
        const otherHandle = (fail?: { execute: number }): Db =>
          ({
            dialect: db.dialect,
            query: (sql: string, params?: never) => db.query(sql, params),
            execute: (sql: string, params?: never) => {
              if (fail && fail.execute-- > 0) return Promise.reject(new Error('store down'))
              return db.execute(sql, params)
            },
          }) as unknown as Db

        it('a restarted process goes on from the counts written before it stopped', async () => {
          const clock = new ManualClock(Date.UTC(2026, 10, 29, 14, 0, 5))
          const profile = { default: { perMinute: 5 }, families: {} }
          const first = new RateLimiter(db, clock, profile, { mode })
          for (let i = 0; i < 4; i++) assert.ok((await first.check('t4', 'app', 'f')).ok)
          await first.flush()
          const restarted = new RateLimiter(otherHandle(), clock, profile, { mode })
          assert.ok((await restarted.check('t4', 'app', 'f')).ok, 'the 5th call')
          assert.equal((await restarted.check('t4', 'app', 'f')).ok, false, 'the 6th call')
          await restarted.flush()
          assert.deepEqual(await counts('t4'), [['app|f|60', 6]])
        })

        it('two limiters over one store handle share its counters', async () => {
          const clock = new ManualClock(Date.UTC(2026, 10, 29, 15, 0, 5))
          const profile = { default: { perMinute: 2 }, families: {} }
          const a = new RateLimiter(db, clock, profile, { mode })
          const b = new RateLimiter(db, clock, profile, { mode })
          assert.ok((await a.check('t5', 'app', 'f')).ok)
          assert.ok((await b.check('t5', 'app', 'f')).ok)
          assert.equal((await a.check('t5', 'app', 'f')).ok, false)
        })

        it('a failed write keeps the counts for the next flush', async () => {
          const clock = new ManualClock(Date.UTC(2026, 10, 29, 16, 0, 5))
          const errors: unknown[] = []
          const handle = otherHandle({ execute: 1 })
          const rl = new RateLimiter(
            handle,
            clock,
            { default: { perMinute: 100 }, families: {} },
            {
              mode,
              onError: (e) => errors.push(e),
            },
          )
          for (let i = 0; i < 3; i++) await rl.check('t6', 'app', 'f')
          await rl.flush()
          assert.equal(errors.length, 1)
          assert.deepEqual(await counts('t6'), [])
          await rl.check('t6', 'app', 'f')
          await rl.flush()
          assert.deepEqual(await counts('t6'), [['app|f|60', 4]])
          // Ended windows are dropped once written; the next window starts from the store (nothing there).
          clock.advance(60_000)
          await rl.flush()
          assert.ok((await rl.check('t6', 'app', 'f')).ok)
          await rl.flush()
          assert.equal((await counts('t6')).length, 2)
        })
      }
    })
  }
