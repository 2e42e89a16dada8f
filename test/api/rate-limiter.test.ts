import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RateLimiter } from '../../src/api/rate-limit.js'
import { ManualClock } from '../../src/core/clock.js'
import type { Db } from '../../src/store/db.js'
import { catalogueMigrations } from '../../src/store/catalogue-migrations.js'
import { migrate } from '../../src/store/migrations.js'
import { backends } from '../helpers/stores.js'

/** The store-backed rate limiter counts every call, also calls racing at the start of a window. */
for (const backend of backends) {
  describe(`rate limiter counters (${backend.name})`, () => {
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
      const rl = new RateLimiter(db, clock, { default: { perMinute: 1000, perHour: 1000 }, families: {} })
      const out = await Promise.all(Array.from({ length: 20 }, () => rl.check('t1', 'app', 'f')))
      assert.ok(out.every((d) => d.ok))
      assert.deepEqual(await counts('t1'), [
        ['app|f|3600', 20],
        ['app|f|60', 20],
      ])
      // A new minute: a new minute counter, the hour counter goes on.
      clock.advance(60_000)
      await Promise.all(Array.from({ length: 5 }, () => rl.check('t1', 'app', 'f')))
      assert.deepEqual(
        (await counts('t1')).filter(([b]) => b === 'app|f|3600'),
        [['app|f|3600', 25]],
      )
    })

    it('refuses the call after the limit with the window and Retry-After', async () => {
      const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 15))
      const rl = new RateLimiter(db, clock, { default: { perMinute: 3 }, families: {} })
      for (let i = 0; i < 3; i++) assert.deepEqual(await rl.check('t2', 'app', 'f'), { ok: true })
      assert.deepEqual(await rl.check('t2', 'app', 'f'), {
        ok: false,
        retryAfterSeconds: 45,
        limit: 3,
        window: 'minute',
      })
    })
  })
}
