import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { RunQueryOutcome } from '../../src/api/hunting/run-query.js'
import { HuntingEngine } from '../../src/hunting/index.js'
import type { Db } from '../../src/store/db.js'
import { backends } from '../helpers/stores.js'
import { DEMO_NOW_MS, loadDemo, readCorpus } from './demo-data.js'
import { kql, openHuntingDb, type KqlOptions } from './harness.js'
import { ManualClock } from '../../src/core/clock.js'

/**
 * Hostile input: mutated corpus queries (token deletion, duplication, swap, truncation, deep nesting,
 * huge literals) and explicit bad inputs. Property: the engine answers with rows or a 4xx outcome
 * (400 diagnostic, 408 timeout), never throws, never an internal compiler failure, always within the
 * time limit (enforced by cancellation, not asserted on the wall clock).
 */
const engine = HuntingEngine.shared()

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TOKEN =
  /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_][\w-]*|\d+(?:\.\d+)?[a-z]*|\|\s*|[=!<>~]=?|[(){}[\],.:;*+/%-]|\s+/g

function mutate(q: string, r: () => number): { kind: string; text: string } {
  const toks = q.match(TOKEN) ?? [q]
  const at = Math.floor(r() * toks.length)
  const pick = Math.floor(r() * 7)
  switch (pick) {
    case 0:
      return { kind: 'delete', text: [...toks.slice(0, at), ...toks.slice(at + 1)].join('') }
    case 1:
      return { kind: 'duplicate', text: [...toks.slice(0, at + 1), ...toks.slice(at)].join('') }
    case 2: {
      const b = Math.floor(r() * toks.length)
      const t = [...toks]
      ;[t[at], t[b]] = [t[b]!, t[at]!]
      return { kind: 'swap', text: t.join('') }
    }
    case 3:
      return { kind: 'truncate', text: q.slice(0, Math.floor(r() * q.length)) }
    case 4: {
      const depth = 20 + Math.floor(r() * 400)
      return {
        kind: 'nest',
        text: `${q}\n| extend __n = ${'('.repeat(depth)}1${')'.repeat(depth)}`,
      }
    }
    case 5:
      return {
        kind: 'huge-literal',
        text: `${q}\n| where tostring(1) != "${'x'.repeat(20_000 + Math.floor(r() * 90_000))}"`,
      }
    default: {
      const junk = ['|', '(', ')', '"', '[', 'where', 'summarize', 'join', ',', '==', 'by', 'dynamic(']
      const t = [...toks]
      t.splice(at, 0, ` ${junk[Math.floor(r() * junk.length)]!} `)
      return { kind: 'insert', text: t.join('') }
    }
  }
}

function checkOutcome(o: RunQueryOutcome, what: string): void {
  if (o.ok) return
  assert.ok([400, 408].includes(o.status), `${what}: status ${o.status}`)
  assert.ok(o.message.length > 0, `${what}: empty message`)
  assert.notEqual(o.target, 'kql-internal', `${what}: internal compiler failure: ${o.message}`)
}

describe('fuzz: mutated corpus queries on DuckDB', () => {
  let db: Db
  let tenantId: string
  before(async () => {
    engine.warmUp()
    db = await openHuntingDb(backends[0]!)
    tenantId = await loadDemo(db, 2)
  })
  after(async () => {
    await db.close()
  })

  test('never a crash, an internal failure or an unbounded run', { timeout: 600_000 }, async () => {
    const corpus = readCorpus()
    const r = rng(20251129)
    const opts = (): KqlOptions => ({
      scope: { tenantId, deviceIds: null },
      clock: new ManualClock(DEMO_NOW_MS),
      rowLimit: 50,
      timeoutMs: 5000,
    })
    const kinds = new Map<string, { n: number; ok: number; s400: number; s408: number }>()
    const N = 600
    for (let i = 0; i < N; i++) {
      const base = corpus[Math.floor(r() * corpus.length)]!
      const m = mutate(base.query, r)
      let o: RunQueryOutcome
      try {
        o = await kql(db, m.text, opts())
      } catch (err) {
        assert.fail(`${m.kind} of ${base.id} threw: ${err instanceof Error ? err.stack : String(err)}`)
      }
      checkOutcome(o, `${m.kind} of ${base.id}`)
      const k = kinds.get(m.kind) ?? { n: 0, ok: 0, s400: 0, s408: 0 }
      k.n++
      if (o.ok) {
        k.ok++
        assert.ok(o.results.length <= 50, 'row limit')
      } else if (o.status === 400) k.s400++
      else k.s408++
      kinds.set(m.kind, k)
    }
    console.log(`[fuzz] ${N} mutated queries:`)
    for (const [kind, k] of kinds)
      console.log(`  ${kind}: ${k.n} (ran ${k.ok}, 400 ${k.s400}, 408 ${k.s408})`)
  })
})

for (const b of backends) {
  describe(`bad input on ${b.name}`, () => {
    let db: Db
    let tenantId: string
    before(async () => {
      engine.warmUp()
      db = await openHuntingDb(b)
      tenantId = await loadDemo(db, 2)
    })
    after(async () => {
      await db.close()
    })
    const run = (q: string, o: KqlOptions = {}) =>
      kql(db, q, {
        scope: { tenantId, deviceIds: null },
        clock: new ManualClock(DEMO_NOW_MS),
        rowLimit: 100,
        timeoutMs: 10_000,
        ...o,
      })

    test('a syntax error is a 400 with Kusto message and position', async () => {
      const o = await run('DeviceProcessEvents | where ProcessCommandLine has ')
      assert.equal(o.ok, false)
      if (o.ok) return
      assert.equal(o.status, 400)
      assert.match(o.message, /\(at position \d+, length \d+\)/)
      assert.match(o.target ?? '', /^kql-ks\d+/)
    })

    test('a 1 MB query is refused before parsing', async () => {
      const o = await run(`print s = "${'a'.repeat(1 << 20)}"`)
      assert.equal(o.ok, false)
      if (!o.ok) {
        assert.equal(o.status, 400)
        assert.equal(o.target, 'kql-too-long')
      }
    })

    test('a 500-deep parenthesised expression is refused', async () => {
      const o = await run(`print x = ${'('.repeat(500)}1${')'.repeat(500)}`)
      assert.equal(o.ok, false)
      if (!o.ok) {
        assert.equal(o.status, 400)
        assert.equal(o.target, 'kql-too-complex')
      }
    })

    test('a 150-deep expression under the limit compiles and runs', async () => {
      const o = await run(`print x = ${'('.repeat(150)}1 + 1${')'.repeat(150)}`)
      checkOutcome(o, 'nest 150')
      if (o.ok) assert.deepEqual(o.results, [{ x: 2 }])
    })

    test('a catastrophic regex over long strings is bounded by the time limit', async () => {
      const long = 'a'.repeat(30_000) + 'b'
      const o = await run(
        `datatable(s:string)["${long}", "${long}", "${long}"] | where s matches regex "(a+)+$" | count`,
        { timeoutMs: 3000 },
      )
      checkOutcome(o, 'regex')
      // RE2 (DuckDB) is linear and answers; PostgreSQL either answers or is cancelled (408).
      if (o.ok) assert.deepEqual(o.results, [{ Count: 0 }])
      const next = await run('print ok = 1')
      assert.ok(next.ok, 'the database answers after the regex query')
    })

    test('a long-running cartesian join is cancelled at the time limit and the engine stays usable', async () => {
      const q = `let t = DeviceProcessEvents | project k = 1, a = ProcessId;
        t | join kind=inner t on k | join kind=inner t on k | join kind=inner t on k | summarize count()`
      const o = await run(q, { timeoutMs: 1500 })
      assert.equal(o.ok, false, 'a 4-way cartesian product over the demo table does not finish in 1.5 s')
      if (!o.ok) assert.equal(o.status, 408)
      if (db.dialect === 'postgres') {
        const active = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%"k"%' AND pid <> pg_backend_pid()`,
        )
        assert.equal(active[0]?.n, 0, 'the PostgreSQL statement was really cancelled')
      }
      const next = await run('DeviceProcessEvents | count')
      assert.ok(next.ok, 'the database answers after the cancelled query')
    })

    test('a cartesian join with a small row limit returns at most the limit', async () => {
      const o = await run(
        'DeviceProcessEvents | extend k = 1 | join kind=inner (DeviceNetworkEvents | extend k = 1) on k',
        { rowLimit: 25 },
      )
      checkOutcome(o, 'cartesian')
      if (o.ok) assert.ok(o.results.length <= 25)
    })
  })
}
