import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { HuntingQuota } from '../../src/api/hunting/hunting-quota.js'
import { ManualClock } from '../../src/core/clock.js'
import type { Db } from '../../src/store/db.js'
import { catalogueMigrations } from '../../src/store/catalogue-migrations.js'
import { migrate } from '../../src/store/migrations.js'
import { backends } from '../helpers/stores.js'

/**
 * The hunting CPU budget as a node keeps it: its own charges count at once, the store gets them within
 * flushMs, other nodes' charges are seen once a reading is refreshMs old, windows roll over on the Clock.
 */
const T0 = Date.UTC(2026, 10, 29, 10, 30, 0)
const limits = { cpuSecondsPerHour: 10, cpuSecondsPerDay: 100 }

for (const backend of backends) {
  describe(`hunting CPU quota (${backend.name})`, () => {
    let db: Db
    let n = 0
    const tenant = () => `tenant-${backend.name}-${n}`
    before(async () => {
      db = await backend.open()
      await migrate(db, catalogueMigrations)
    })
    after(() => db.close())

    const stored = async (tenantId: string, bucket: string) =>
      Number(
        (
          await db.query<{ n: number | bigint | null }>(
            'SELECT sum("count") AS n FROM rate_limit_counters WHERE "tenantId" = $1 AND "bucket" = $2',
            [tenantId, bucket],
          )
        )[0]?.n ?? 0,
      )

    it('one node: its own charges count from the next check on, before they are written', async () => {
      n++
      const q = new HuntingQuota(db, new ManualClock(T0), limits, { refreshMs: 60_000, flushMs: 60_000 })
      assert.deepEqual(await q.check(tenant()), { ok: true })
      q.chargeLater(tenant(), 9_999)
      assert.deepEqual(await q.check(tenant()), { ok: true })
      assert.equal(await stored(tenant(), 'hunting-cpu|3600'), 0, 'not written yet')
      q.chargeLater(tenant(), 1)
      const d = await q.check(tenant())
      assert.equal(d.ok, false)
      if (!d.ok) {
        assert.equal(d.window, 'hour')
        assert.equal(d.limit, 10)
        assert.equal(d.retryAfterSeconds, 30 * 60)
      }
      await q.settled()
      assert.equal(await stored(tenant(), 'hunting-cpu|3600'), 10_000)
      assert.equal(await stored(tenant(), 'hunting-cpu|86400'), 10_000)
    })

    it('charges reach the store within flushMs', async () => {
      n++
      const q = new HuntingQuota(db, new ManualClock(T0), limits, { flushMs: 50 })
      for (let i = 0; i < 20; i++) q.chargeLater(tenant(), 10)
      let v = 0
      for (let i = 0; i < 200 && v === 0; i++) {
        await sleep(10)
        v = await stored(tenant(), 'hunting-cpu|3600')
      }
      assert.equal(v, 200)
    })

    it("another node's charges are seen once the reading is refreshMs old", async () => {
      n++
      const clock = new ManualClock(T0)
      let now = 0
      const a = new HuntingQuota(db, clock, limits, { refreshMs: 1000, now: () => now })
      const b = new HuntingQuota(db, clock, limits)
      assert.deepEqual(await a.check(tenant()), { ok: true })
      await b.charge(tenant(), 10_000)
      now = 1000
      assert.deepEqual(await a.check(tenant()), { ok: true }, 'fresh reading: not seen yet')
      now = 1001
      assert.equal((await a.check(tenant())).ok, false)
      // A node that never read the tenant reads the store at its first check.
      assert.equal((await new HuntingQuota(db, clock, limits).check(tenant())).ok, false)
    })

    it('a reading adds the charges of this node not yet written', async () => {
      n++
      const clock = new ManualClock(T0)
      const a = new HuntingQuota(db, clock, limits, { refreshMs: 0, flushMs: 60_000 })
      a.chargeLater(tenant(), 6_000)
      await new HuntingQuota(db, clock, limits).charge(tenant(), 4_000)
      // refreshMs 0: every check reads the store (4 s) and adds the 6 s this node has not written.
      assert.equal((await a.check(tenant())).ok, false)
      await a.settled()
      assert.equal(await stored(tenant(), 'hunting-cpu|3600'), 10_000)
      assert.equal((await a.check(tenant())).ok, false, 'after the write: counted once, still over')
    })

    it('a new window starts from zero; the day window keeps counting', async () => {
      n++
      const clock = new ManualClock(T0)
      const q = new HuntingQuota(db, clock, { cpuSecondsPerHour: 10, cpuSecondsPerDay: 15 })
      q.chargeLater(tenant(), 10_000)
      assert.equal((await q.check(tenant())).ok, false)
      clock.advance(3_600_000)
      assert.deepEqual(await q.check(tenant()), { ok: true })
      q.chargeLater(tenant(), 5_000)
      const d = await q.check(tenant())
      assert.equal(d.ok, false)
      if (!d.ok) assert.equal(d.window, 'day')
      await q.settled()
      assert.equal(await stored(tenant(), 'hunting-cpu|86400'), 15_000)
      assert.equal(await stored(tenant(), 'hunting-cpu|3600'), 15_000, 'two hour windows: 10 s + 5 s')
    })

    it('a failed write is reported and kept for the next flush', async () => {
      n++
      const errors: unknown[] = []
      let fail = true
      const failing = new Proxy(db, {
        get(target, prop, recv) {
          if (prop === 'execute' && fail) return () => Promise.reject(new Error('store down'))
          const v = Reflect.get(target, prop, recv) as unknown
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
        },
      })
      const q = new HuntingQuota(failing, new ManualClock(T0), limits, {
        flushMs: 60_000,
        onError: (e) => errors.push(e),
      })
      q.chargeLater(tenant(), 3_000)
      await q.flush()
      assert.equal(errors.length, 1)
      assert.equal(await stored(tenant(), 'hunting-cpu|3600'), 0)
      fail = false
      q.chargeLater(tenant(), 1_000)
      await q.settled()
      assert.equal(await stored(tenant(), 'hunting-cpu|3600'), 4_000)
    })
  })
}
