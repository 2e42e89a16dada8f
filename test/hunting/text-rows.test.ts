import assert from 'node:assert/strict'
import { test } from 'node:test'
import { joinJsonArray, ResultTooLarge, TextRowsWriter, type JsonArrayText } from '../../src/hunting/index.js'
import type { ResultColumn } from '../../src/hunting/index.js'

/**
 * The 'text' encoder's writer (PostgreSQL's API path): values arrive as PostgreSQL's text output and
 * must come out exactly as the other encoders write them. End to end on a real PostgreSQL, the
 * known-answer and corpus suites compare it with the database-written JSON; these cases pin the text
 * forms themselves, including ones PostgreSQL prints but the suites rarely produce.
 */
const col = (name: string, type: ResultColumn['type']): ResultColumn => ({ name, type })

function write(schema: ResultColumn[], rows: (string | null)[][], limit = 1 << 30): JsonArrayText {
  const w = new TextRowsWriter(schema, limit)
  for (const r of rows) w.row(r)
  return w.finish()
}

const one = (type: ResultColumn['type'], v: string | null): unknown =>
  (JSON.parse(joinJsonArray(write([col('x', type)], [[v]]))) as { x: unknown }[])[0]!.x

test('datetimes: seven fractional digits, whatever PostgreSQL trimmed', () => {
  assert.equal(one('datetime', '2026-11-29 21:30:00'), '2026-11-29T21:30:00.0000000Z')
  assert.equal(one('datetime', '2026-11-29 21:30:00.5'), '2026-11-29T21:30:00.5000000Z')
  assert.equal(one('datetime', '2026-11-29 21:30:00.123456'), '2026-11-29T21:30:00.1234560Z')
  assert.equal(one('datetime', '0001-01-01 00:00:00'), '0001-01-01T00:00:00.0000000Z')
  assert.equal(one('datetime', '9999-12-31 23:59:59.999999'), '9999-12-31T23:59:59.9999990Z')
  // What to_char prints for the others: the year as digits without era, and NULL for infinities.
  assert.equal(one('datetime', '12000-01-01 00:00:00'), '12000-01-01T00:00:00.0000000Z')
  assert.equal(one('datetime', '0044-03-15 12:00:01.5 BC'), '0044-03-15T12:00:01.5000000Z')
  assert.equal(one('datetime', 'infinity'), null)
  assert.equal(one('datetime', '-infinity'), null)
  assert.equal(one('datetime', null), null)
})

test('numbers, booleans, timespans and strings', () => {
  assert.equal(one('long', '-42'), -42)
  assert.equal(one('long', null), null)
  // Beyond 15 digits through a double, as the other encoders do.
  assert.equal(one('long', '9223372036854775807'), Number('9223372036854775807'))
  assert.equal(one('int', '2147483647'), 2147483647)
  assert.equal(one('real', '1.5e-07'), 1.5e-7)
  assert.equal(one('real', '-0'), 0)
  assert.equal(Object.is(one('real', '-0'), -0), false)
  assert.equal(one('real', 'NaN'), 'NaN')
  assert.equal(one('real', 'Infinity'), 'Infinity')
  assert.equal(one('real', '-Infinity'), '-Infinity')
  assert.equal(one('decimal', '12.50'), 12.5)
  assert.equal(one('bool', 't'), true)
  assert.equal(one('bool', 'f'), false)
  assert.equal(one('bool', null), null)
  assert.equal(one('timespan', '90061000001'), '1.01:01:01.0000010')
  assert.equal(one('timespan', null), null)
  assert.equal(one('string', null), '')
  assert.equal(one('guid', null), '')
  const s = 'quote " backslash \\ tab \t nul \u0000 é 中文 😀 \u2028'
  assert.equal(one('string', s), s)
})

test('dynamic values: parsed, bag keys sorted', () => {
  assert.deepEqual(one('dynamic', '{"b": 1, "a": [1, {"d": null, "c": "x"}]}'), {
    a: [1, { c: 'x', d: null }],
    b: 1,
  })
  assert.equal(joinJsonArray(write([col('d', 'dynamic')], [['{"b": 1, "a": 2}']])), '[{"d":{"a":2,"b":1}}]')
  assert.equal(one('dynamic', null), null)
})

test('rows keep the schema order, odd column names, and chunk boundaries', () => {
  const schema = [col('b', 'string'), col('a "quoted"\n', 'long'), col('__proto__', 'bool')]
  const rows = Array.from({ length: 5000 }, (_, i) => [`${'x'.repeat(i % 700)}ü${i}`, String(i), 't'])
  const out = write(schema, rows)
  assert.ok(out.parts.length > 1, 'more than one 1 MiB chunk')
  const text = joinJsonArray(out)
  assert.equal(out.length, Buffer.byteLength(text))
  const parsed = JSON.parse(text) as Record<string, unknown>[]
  assert.equal(parsed.length, 5000)
  assert.deepEqual(Object.keys(parsed[7]!), ['b', 'a "quoted"\n', '__proto__'])
  assert.deepEqual(
    parsed[4999],
    JSON.parse(`{"b":"${'x'.repeat(4999 % 700)}ü4999","a \\"quoted\\"\\n":4999,"__proto__":true}`),
  )
  // A row larger than a chunk gets a chunk of its own.
  const big = write([col('s', 'string')], [['a'], ['é'.repeat(1 << 20)], ['b']])
  assert.deepEqual(
    (JSON.parse(joinJsonArray(big)) as { s: string }[]).map((r) => r.s.length),
    [1, 1 << 20, 1],
  )
})

test('no rows, and no columns', () => {
  assert.deepEqual(write([col('a', 'long')], []), { parts: [], length: 2, bytes: [] })
  assert.equal(joinJsonArray(write([], [[], []])), '[{},{}]')
})

test('the size limit counts UTF-8 bytes of the whole array and stops at the row that passes it', () => {
  const schema = [col('s', 'string')]
  const rows = [['é'], ['ab'], ['c']]
  const full = joinJsonArray(write(schema, rows))
  const size = Buffer.byteLength(full)
  assert.equal(write(schema, rows, size).length, size, 'exactly the limit is fine')
  const w = new TextRowsWriter(schema, size - 1)
  w.row(rows[0]!)
  w.row(rows[1]!)
  assert.throws(
    () => w.row(rows[2]!),
    (err) => err instanceof ResultTooLarge && err.limit === size - 1,
  )
})
