import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backends } from '../../test/helpers/stores.js'
import { dialectFeatures } from './dialect.js'
import { sqlLiteral, timestampText } from './literal.js'
import { SqlParams } from './params.js'
import { escapeLike, quoteIdent, quoteString, SqlQuoteError } from './quote.js'

describe('sql quoting', () => {
  it('quotes identifiers and strings, doubling quotes and rejecting NUL', () => {
    assert.equal(quoteIdent('DeviceName'), '"DeviceName"')
    assert.equal(quoteIdent('a"b'), '"a""b"')
    assert.equal(quoteString("it's"), "'it''s'")
    assert.throws(() => quoteIdent(''), SqlQuoteError)
    assert.throws(() => quoteString('a\u0000b'), SqlQuoteError)
    assert.equal(escapeLike('50%_a\\b'), '50\\%\\_a\\\\b')
  })

  it('numbers parameters $1..$n', () => {
    const p = new SqlParams()
    assert.equal(p.add('x'), '$1')
    assert.equal(p.add(2), '$2')
    assert.deepEqual(p.values, ['x', 2])
  })

  it('prints timestamps with microseconds', () => {
    assert.equal(timestampText(new Date('2024-01-02T03:04:05.123Z'), 456), '2024-01-02 03:04:05.123456')
    assert.throws(() => sqlLiteral(Number.NaN, 'duckdb'), RangeError)
  })
})

const nasty = `quote ' double " back\\slash % _ üñí 😀 \t tab`

for (const backend of backends) {
  describe(`sql toolkit on ${backend.name}`, () => {
    it('round-trips printed literals and identifiers through the engine', async () => {
      const db = await backend.open()
      try {
        const f = dialectFeatures(db.dialect)
        const d = new Date('2024-05-06T07:08:09.123Z')
        const rows = await db.query<Record<string, unknown>>(
          `SELECT ${sqlLiteral(nasty, f.dialect)} AS ${quoteIdent('a"b')}, ${sqlLiteral(0.25, f.dialect)} AS x,
                  ${sqlLiteral(9007199254740991, f.dialect)} AS big, ${sqlLiteral(true, f.dialect)} AS t,
                  ${sqlLiteral(d, f.dialect)} AS ts, ${sqlLiteral(null, f.dialect)} AS n`,
        )
        assert.deepEqual(rows, [{ 'a"b': nasty, x: 0.25, big: 9007199254740991, t: true, ts: d, n: null }])
        const like = await db.query<{ m: boolean }>(
          `SELECT ${quoteString('a%b_c\\')} LIKE ${quoteString('%' + escapeLike('%b_c\\'))} ESCAPE '\\' AS m`,
        )
        assert.deepEqual(like, [{ m: true }])
      } finally {
        await db.close()
      }
    })

    it('evaluates every feature printer the same way in both engines', async () => {
      const db = await backend.open()
      try {
        const f = dialectFeatures(db.dialect)
        const j = f.toJson(quoteString('{"a":"x","b":{"c":1},"arr":["p","q"]}'))
        const ts = `TIMESTAMP '2024-05-06 07:08:09.123456'`
        const rows = await db.query<Record<string, unknown>>(
          `SELECT ${f.jsonText(j, 'a')} AS a, ${f.jsonText(f.jsonMember(j, 'b'), 'c')} AS c,
                  ${f.jsonIndexText(f.jsonMember(j, 'arr'), 1)} AS q, ${f.jsonText(j, 'zz')} AS missing,
                  ${f.regexMatch("'PowerShell -enc'", "'-[eE]nc'")} AS re,
                  ${f.regexMatch("'POWERSHELL'", "'powershell'", true)} AS rei,
                  ${f.regexMatch("'abc'", "'^x'")} AS reno,
                  ${f.regexExtract("'user=bob;'", "'user=([a-z]+)'", 1)} AS ex,
                  ${f.regexExtract("'nothing'", "'user=([a-z]+)'", 1)} AS exno,
                  ${f.integerDivision('7', '2')} AS idiv,
                  ${f.epochMicros(ts)} AS us,
                  ${f.timeBucket(ts, 3_600_000_000)} AS hour`,
        )
        assert.deepEqual(rows, [
          {
            a: 'x',
            c: '1',
            q: 'q',
            missing: null,
            re: true,
            rei: true,
            reno: false,
            ex: 'bob',
            exno: null,
            idiv: 3,
            us: 1714979289123456,
            hour: new Date('2024-05-06T07:00:00Z'),
          },
        ])
        const agg = await db.query<{ n: number; l: unknown; js: string }>(
          `SELECT ${f.approxCountDistinct('v')} AS n, ${f.listAgg('v ORDER BY v')} AS l, ${f.jsonArrayAgg('v ORDER BY v')} AS js
             FROM (VALUES ('b'), ('a'), ('b')) AS t(v)`,
        )
        assert.equal(Number(agg[0]!.n), 2)
        assert.deepEqual(agg[0]!.l, ['a', 'b', 'b'])
        assert.deepEqual(JSON.parse(agg[0]!.js), ['a', 'b', 'b'])
        const order = await db.query<{ v: number | null }>(
          'SELECT v FROM (VALUES (1), (NULL), (2)) AS t(v) ORDER BY v DESC',
        )
        const nullPos = order.findIndex((r) => r.v === null)
        assert.equal(nullPos === 0 ? 'first' : 'last', f.nullsInDescOrder)
        if (f.qualify)
          assert.equal(
            (
              await db.query(
                'SELECT v FROM (VALUES (1), (2)) AS t(v) QUALIFY row_number() OVER (ORDER BY v) = 1',
              )
            ).length,
            1,
          )
        else await assert.rejects(db.query('SELECT v FROM (VALUES (1)) AS t(v) QUALIFY true'))
      } finally {
        await db.close()
      }
    })
  })
}
