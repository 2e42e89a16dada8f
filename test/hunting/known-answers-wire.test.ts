import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { jsonBody } from '../../src/api/hunting/hunting-routes.js'
import type { Db } from '../../src/store/db.js'
import { backends } from '../helpers/stores.js'
import {
  kql,
  openHuntingDb,
  runKnownAnswers,
  sameRowsText,
  sameWire,
  type Case,
  type Expect,
} from './harness.js'

/**
 * Values that are awkward on the wire. The database writes each row's JSON (`Lowerer.finish`, encoder
 * 'sql'); the harness checks, for every case, that it parses to exactly what the JS formatter sends for
 * the same rows, and the expected rows here are the wire values after `JSON.parse`.
 */
const c = (name: string, q: string, expect: Expect, ordered = false): Case => ({ name, q, expect, ordered })

/** 120 columns: more than PostgreSQL's 100 function arguments, with every type in turn. */
const WIDE_TYPES = [
  ['long', (i: number) => `${i}`, (i: number) => i],
  ['string', (i: number) => `"v${i}"`, (i: number) => `v${i}`],
  ['real', (i: number) => `${i}.5`, (i: number) => i + 0.5],
  ['bool', (i: number) => (i % 2 ? 'true' : 'false'), (i: number) => i % 2 === 1],
  ['datetime', (i: number) => `datetime(2025-01-01) + ${i}s`, (i: number) => wideTime(i)],
  [
    'timespan',
    (i: number) => `${i}s`,
    (i: number) => `00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
  ],
  ['dynamic', (i: number) => `dynamic({"k": ${i}})`, (i: number) => ({ k: i })],
] as const
const wideTime = (i: number) =>
  new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString().replace('.000Z', '.0000000Z')
const wide = Array.from({ length: 120 }, (_, i) => WIDE_TYPES[i % WIDE_TYPES.length]!)
const WIDE = `print ${wide.map(([, kql], i) => `w${i} = ${kql(i)}`).join(', ')}`
const wideRow = Object.fromEntries(wide.map(([, , value], i) => [`w${i}`, value(i)]))

const cases: Case[] = [
  c(
    'strings with quotes, backslashes, line breaks, non-ASCII and emoji',
    `datatable(s:string)["a\\"b", @"c:\\temp\\", "tab\\there", "line\\nbreak", "é ü ß 中文", "😀 emoji", "", "'single'"]`,
    ['a"b', 'c:\\temp\\', 'tab\there', 'line\nbreak', 'é ü ß 中文', '😀 emoji', '', "'single'"].map((s) => ({
      s,
    })),
  ),
  c('control characters', `print s = base64_decode_tostring("AQIfIH8iXA==")`, [
    { s: '\u0001\u0002\u001f \u007f"\\' },
  ]),
  c(
    'NULL strings from an outer join are empty strings',
    `datatable(k:long)[1, 2] | join kind=leftouter (datatable(k:long, s:string, g:guid)[2, "x", guid(12345678-1234-1234-1234-123456789abc)]) on k | project k, s, g`,
    [
      { k: 1, s: '', g: '' },
      { k: 2, s: 'x', g: '12345678-1234-1234-1234-123456789abc' },
    ],
  ),
  c(
    'reals: NaN, infinities, negative zero, extremes',
    `print a = todouble("NaN"), b = todouble("Infinity"), c = todouble("-Infinity"), d = -1.0 * 0.0, e = todouble("-0"), f = 1e21, g = todouble("5e-324"), h = 0.1, i = 1e-7, j = todouble("1.7976931348623157e308"), k = 100.0, l = real(null)`,
    [
      {
        a: 'NaN',
        b: 'Infinity',
        c: '-Infinity',
        d: 0,
        e: 0,
        f: 1e21,
        g: 5e-324,
        h: 0.1,
        i: 1e-7,
        j: 1.7976931348623157e308,
        k: 100,
        l: null,
      },
    ],
  ),
  c(
    'negative zero from arithmetic and aggregates',
    `datatable(r:real)[1.0, 2.0] | summarize z = min(r * -0.0), p = max(-0.0 * r), n = sum(-0.0)`,
    [{ z: 0, p: 0, n: 0 }],
  ),
  c(
    'longs beyond 2^53 and int extremes',
    `print a = 9007199254740993, b = 9223372036854775807, c = -9223372036854775807, d = long(null), e = int(2147483647), f = int(-2147483648), g = int(null)`,
    [
      {
        a: Number('9007199254740993'),
        b: Number('9223372036854775807'),
        c: Number('-9223372036854775807'),
        d: null,
        e: 2147483647,
        f: -2147483648,
        g: null,
      },
    ],
  ),
  c(
    'datetimes before 1970, at year boundaries and at the ends of the range',
    `datatable(t:datetime)[datetime(1969-12-31 23:59:59.9999999), datetime(1900-01-01), datetime(2024-12-31 23:59:59.999999), datetime(2025-01-01), datetime(2024-02-29 12:00:00.5), datetime(0001-01-01), datetime(9999-12-31), datetime(null)]`,
    [
      '1969-12-31T23:59:59.9999990Z',
      '1900-01-01T00:00:00.0000000Z',
      '2024-12-31T23:59:59.9999990Z',
      '2025-01-01T00:00:00.0000000Z',
      '2024-02-29T12:00:00.5000000Z',
      '0001-01-01T00:00:00.0000000Z',
      '9999-12-31T00:00:00.0000000Z',
      null,
    ].map((t) => ({ t })),
  ),
  c(
    'bools and nulls of every type',
    `print b1 = true, b2 = false, b3 = bool(null), l = long(null), i = int(null), r = real(null), m = todecimal("none"), d = datetime(null), t = timespan(null), y = dynamic(null), g = guid(null), s = ""`,
    [
      {
        b1: true,
        b2: false,
        b3: null,
        l: null,
        i: null,
        r: null,
        m: null,
        d: null,
        t: null,
        y: null,
        g: '',
        s: '',
      },
    ],
  ),
  c('decimals', `print m = todecimal("1.5"), n = todecimal(2.25), o = todecimal(10)`, [
    { m: 1.5, n: 2.25, o: 10 },
  ]),
  c(
    'column names with quotes, backslashes, unicode and reserved words',
    `print ['a"b'] = 1, ['c\\\\d'] = 2, ['é 😀'] = 3, ['__proto__'] = 4, ['1'] = 5, ['x y'] = "v", ['{"k":'] = 6`,
    [
      Object.fromEntries([
        ['a"b', 1],
        ['c\\d', 2],
        ['é 😀', 3],
        ['__proto__', 4],
        ['1', 5],
        ['x y', 'v'],
        ['{"k":', 6],
      ]),
    ],
  ),
  c(
    'dynamic and timespan values between database-written columns',
    `print a = "x", d = dynamic({"b": 1, "a": [1.0, "y", {"d": 2, "c": null}]}), n = 2, t = 1h, e = dynamic(null), s = "z", t2 = -1d - 1s`,
    [
      {
        a: 'x',
        d: { a: [1, 'y', { c: null, d: 2 }], b: 1 },
        n: 2,
        t: '01:00:00',
        e: null,
        s: 'z',
        t2: '-1.00:00:01',
      },
    ],
  ),
  c('only JS-encoded columns', `print d = dynamic([1, "a"]), t = 2m`, [{ d: [1, 'a'], t: '00:02:00' }]),
  c('120 columns of every type', WIDE, [wideRow]),
  c(
    'ordered rows keep their order',
    `datatable(n:long, s:string)[3, "c", 1, "a", 2, "b"] | sort by n asc`,
    [
      { n: 1, s: 'a' },
      { n: 2, s: 'b' },
      { n: 3, s: 'c' },
    ],
    true,
  ),
  c('no rows', `datatable(n:long, s:string)[1, "a"] | where n > 1`, []),
  // DuckDB writes rows whose columns are all printable as one to_json(struct_pack(…)) (names as struct
  // keys); names it cannot use as keys fall back to the concat form
  c(
    'names equal but for case (struct keys are case-insensitive: concat form)',
    `print a = 1, A = "x", ['é'] = 2.5, ['É'] = todouble("NaN")`,
    [
      Object.fromEntries([
        ['a', 1],
        ['A', 'x'],
        ['é', 2.5],
        ['É', 'NaN'],
      ]),
    ],
  ),
  c(
    'names with control characters (DuckDB escapes them in upper-case hex: concat form)',
    `print ['a\tb'] = 1, ['c\u0001d'] = "x", ['\u001f'] = 2`,
    [
      Object.fromEntries([
        ['a\tb', 1],
        ['c\u0001d', 'x'],
        ['\u001f', 2],
      ]),
    ],
  ),
  c(
    'NaN, infinities, −0, NULL strings and datetimes in one struct',
    `datatable(k:long)[1, 2] | join kind=leftouter (datatable(k:long, s:string)[2, "y"]) on k | extend r = iff(k == 1, todouble("NaN"), -0.0), i = iff(k == 1, todouble("-Infinity"), todouble("Infinity")), t = iff(k == 1, datetime(null), datetime(2025-01-02 03:04:05.1234567)), b = k == 2, g = toguid(iff(k == 2, "12345678-1234-1234-1234-123456789abc", "")) | project k, s, r, i, t, b, g | sort by k asc`,
    [
      { k: 1, s: '', r: 'NaN', i: '-Infinity', t: null, b: false, g: '' },
      {
        k: 2,
        s: 'y',
        r: 0,
        i: 'Infinity',
        t: '2025-01-02T03:04:05.1234560Z',
        b: true,
        g: '12345678-1234-1234-1234-123456789abc',
      },
    ],
    true,
  ),
  c(
    'struct keys that need escaping or look like SQL',
    `print ['a"b\\\\c'] = 1, ['é 😀 中文'] = "v", ['"'] = 2, ['x" := 1, "y'] = 3, ['__src'] = 4, ['j0'] = 5, ['/'] = 6, ['\u007f'] = 7`,
    [
      Object.fromEntries([
        ['a"b\\c', 1],
        ['é 😀 中文', 'v'],
        ['"', 2],
        ['x" := 1, "y', 3],
        ['__src', 4],
        ['j0', 5],
        ['/', 6],
        ['\u007f', 7],
      ]),
    ],
  ),
  // a final sort / top / sort | take reads its input with ORDER BY keys (no row_number CTE)
  c(
    'final sort over columns named like the output and the source alias',
    `datatable(j0:long, c0:string, __src:long)[1, "b", 3, 2, "a", 1, 3, "c", 2] | sort by __src asc`,
    [
      { j0: 2, c0: 'a', __src: 1 },
      { j0: 3, c0: 'c', __src: 2 },
      { j0: 1, c0: 'b', __src: 3 },
    ],
    true,
  ),
  c(
    'top N and sort | take N, also beyond the rows there are',
    `let T = datatable(n:long, s:string)[3, "c", 1, "a", 2, "b", 4, "d"]; union (T | top 2 by n asc | extend q = 1), (T | sort by s desc | take 3 | extend q = 2), (T | top 9 by n desc | extend q = 3)`,
    [
      { n: 1, s: 'a', q: 1 },
      { n: 2, s: 'b', q: 1 },
      { n: 4, s: 'd', q: 2 },
      { n: 3, s: 'c', q: 2 },
      { n: 2, s: 'b', q: 2 },
      ...[4, 3, 2, 1].map((n) => ({ n, s: 'abcd'[n - 1], q: 3 })),
    ],
  ),
  c(
    'final top N and sort | take N',
    `datatable(n:long, s:string)[3, "c", 1, "a", 2, "b", 4, "d"] | sort by n desc | take 3 | top 2 by s asc`,
    [
      { n: 2, s: 'b' },
      { n: 3, s: 'c' },
    ],
    true,
  ),
  c(
    'final sort | take N',
    `datatable(n:long, s:string)[3, "c", 1, "a", 2, "b", 4, "d"] | sort by s desc | take 2`,
    [
      { n: 4, s: 'd' },
      { n: 3, s: 'c' },
    ],
    true,
  ),
  c(
    'final top with a count computed from a table',
    `let N = toscalar(print 2); datatable(n:long)[3, 1, 2] | top N by n asc`,
    [{ n: 1 }, { n: 2 }],
    true,
  ),
  c(
    'a sorted let read twice',
    `let T = datatable(n:long)[2, 1, 3] | sort by n asc; T | join kind=inner (T | where n > 1) on n | project n`,
    [{ n: 2 }, { n: 3 }],
  ),
  c(
    'sorted let as the result, also read by a scalar',
    `let T = datatable(n:long)[2, 1, 3] | sort by n asc; let m = toscalar(T | summarize max(n)); T | extend m`,
    [
      { n: 1, m: 3 },
      { n: 2, m: 3 },
      { n: 3, m: 3 },
    ],
    true,
  ),
  c(
    'sort by the input row order',
    `datatable(n:long)[5, 7, 6] | serialize | extend r = row_number() | sort by r desc`,
    [
      { n: 6, r: 3 },
      { n: 7, r: 2 },
      { n: 5, r: 1 },
    ],
    true,
  ),
]

runKnownAnswers('wire known answers', cases, { sortArrays: false })

for (const b of backends) {
  describe(`row JSON on ${b.name}`, () => {
    let db: Db
    before(async () => {
      db = await openHuntingDb(b)
    })
    after(async () => {
      await db.close()
    })

    test("the API's statement (encoder sql) sends the text the compared statement wrote", async () => {
      for (const k of cases) {
        const both = await kql(db, k.q, { encoder: 'both' })
        const only = await kql(db, k.q, { encoder: 'sql' })
        assert.ok(both.ok && only.ok, k.name)
        if (!both.ok || !only.ok) continue
        assert.ok(sameWire(both), k.name)
        assert.equal(only.jsResults, undefined)
        if (k.ordered) assert.equal(only.resultsJson, both.resultsJson, k.name)
        else assert.deepEqual(JSON.parse(only.resultsJson), JSON.parse(both.resultsJson), k.name)
        assert.deepEqual(only.results, JSON.parse(only.resultsJson), k.name)
        assert.equal(only.rowCount, only.results.length)
      }
    })

    test("PostgreSQL's API statement (encoder text) sends the same text", async (t) => {
      if (!db.streamText) return t.skip('the store does not stream text (DuckDB: encoder sql)')
      for (const k of cases) {
        const both = await kql(db, k.q, { encoder: 'both' })
        const text = await kql(db, k.q, { encoder: 'text' })
        assert.ok(both.ok && text.ok, k.name)
        if (!both.ok || !text.ok) continue
        assert.equal(text.jsResults, undefined)
        if (k.ordered) assert.deepEqual(JSON.parse(text.resultsJson), JSON.parse(both.resultsJson), k.name)
        else assert.ok(sameRowsText(both, text), k.name)
        assert.deepEqual(text.results, JSON.parse(text.resultsJson), k.name)
        assert.equal(text.rowCount, text.results.length)
        assert.equal(text.stats.dataset_statistics[0]!.table_size, Buffer.byteLength(text.resultsJson))
      }
    })

    test('the JS formatter path stays selectable and gives the same wire values', async () => {
      const q = cases.find((k) => k.name.startsWith('dynamic and timespan'))!.q
      const js = await kql(db, q, { encoder: 'js' })
      const sql = await kql(db, q, { encoder: 'sql' })
      assert.ok(js.ok && sql.ok)
      if (!js.ok || !sql.ok) return
      assert.equal(js.resultsJson, JSON.stringify(js.results))
      assert.deepEqual(JSON.parse(sql.resultsJson), JSON.parse(js.resultsJson))
    })

    for (const encoder of ['sql', 'js', 'text'] as const)
      test(`a result over the size limit answers 400 (encoder ${encoder})`, async (t) => {
        if (encoder === 'text' && !db.streamText) return t.skip('the store does not stream text')
        // ASCII, then text whose UTF-8 is longer than its UTF-16 (2 and 3 bytes per unit): the limit and
        // `Stats` count bytes on every path.
        for (const q of [
          `datatable(s:string)["abc", "def", "ghi"] | sort by s asc`,
          `datatable(s:string)["检测到", "ünïcödé", "日本語のテキスト"] | sort by s asc`,
        ]) {
          const full = await kql(db, q, { encoder })
          assert.ok(full.ok, q)
          if (!full.ok) return
          const size = Buffer.byteLength(full.resultsJson)
          assert.equal(full.stats.dataset_statistics[0]!.table_size, size, q)
          const at = await kql(db, q, { encoder, resultBytesLimit: size })
          assert.ok(at.ok, `a result of exactly the limit is sent: ${q}`)
          const over = await kql(db, q, { encoder, resultBytesLimit: size - 1 })
          assert.equal(over.ok, false, q)
          if (!over.ok) {
            assert.equal(over.status, 400)
            assert.match(over.message, /exceeds the size limit of \d+ bytes/)
          }
        }
      })
  })
}

test('response bodies are the UTF-8 of head, array and tail, piece by piece', () => {
  const cases: string[][] = [
    [],
    [''],
    ['{"a":1}'],
    ['{"a":"é"}', '{"b":"😀"}', '{"c":"x"}'],
    [String.raw`{"s":"\u0001 \\ \""}`, '{"n":"中文"}', '{"c":"\u0001"}'],
  ]
  for (const parts of cases) {
    const length = `[${parts.join(',')}]`.length
    const body = jsonBody('{"Results":', { parts, length }, ',"x":"ü"}')
    assert.deepEqual(body, Buffer.from(`{"Results":[${parts.join(',')}],"x":"ü"}`, 'utf8'))
    // UTF-8 chunks (the 'text' encoder's parts) are copied as they are, between string parts too.
    const mixed = parts.map((p, i) => (i % 2 ? p : Buffer.from(p, 'utf8')))
    const fromChunks = jsonBody('{"Results":', { parts: mixed, length }, ',"x":"ü"}')
    assert.deepEqual(fromChunks, body)
  }
})
