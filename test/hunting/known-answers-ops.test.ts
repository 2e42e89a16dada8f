import { runKnownAnswers, type Case, type Expect } from './harness.js'

/** Known answers for parse / parse-where and aggregates inside scalar expressions (both engines). */
const c = (name: string, q: string, expect: Expect, ordered = false): Case => ({ name, q, expect, ordered })
const P = `datatable(s:string)["user=alice id=42 ok", "user=bob id=x7 ok", "nothing here", "USER=carol id=-3 ok"]`

const cases: Case[] = [
  c(
    'parse simple: constants, typed and string columns',
    `${P} | parse s with "user=" u " id=" id:long " " rest | project u, id, rest`,
    [
      { u: 'alice', id: 42, rest: 'ok' },
      { u: '', id: null, rest: '' },
      { u: '', id: null, rest: '' },
      { u: '', id: null, rest: '' },
    ],
  ),
  c('parse with a leading wildcard', `${P} | parse s with * "id=" id:long * | project id`, [
    { id: 42 },
    { id: null },
    { id: null },
    { id: -3 },
  ]),
  c('parse-where drops rows that do not match', `${P} | parse-where s with * "id=" id:long * | project id`, [
    { id: 42 },
    { id: -3 },
  ]),
  c(
    'parse relaxed keeps rows with failed conversions',
    `${P} | parse kind=relaxed s with "user=" u " id=" id:long " " * | project u, id`,
    [
      { u: 'alice', id: 42 },
      { u: 'bob', id: null },
      { u: '', id: null },
      { u: '', id: null },
    ],
  ),
  c(
    'parse kind=regex with flags=i',
    `${P} | parse kind=regex flags=i s with "user=" u:string @"\\s+id=" id:long * | project u, id`,
    [
      { u: 'alice', id: 42 },
      { u: '', id: null },
      { u: '', id: null },
      { u: 'carol', id: -3 },
    ],
  ),
  c(
    'parse kind=regex flags=U makes wildcards greedy',
    `print s = "a-b-c" | parse kind=regex flags=U s with x "-" y | project x, y`,
    [{ x: 'a-b', y: 'c' }],
  ),
  c('parse: the last column takes the rest', `print s = "k: v1 v2" | parse s with "k: " v | project v`, [
    { v: 'v1 v2' },
  ]),
  c(
    'parse constants are not regexes in simple mode',
    `print s = "a.b(c)" | parse s with "a.b(" x ")" | project x`,
    [{ x: 'c' }],
  ),
  c('parse into a real column', `print s = "t=1.5s" | parse s with "t=" t:real "s" | project t`, [
    { t: 1.5 },
  ]),
  c('parse of a non-string source', `print n = 12345 | parse n with "12" rest | project rest`, [
    { rest: '345' },
  ]),
  // aggregates inside scalar expressions
  c('count() * 2', `datatable(k:string)["a", "a", "b"] | summarize x = count() * 2 by k`, [
    { k: 'a', x: 4 },
    { k: 'b', x: 2 },
  ]),
  c('round(avg(x), 2)', `datatable(v:real)[1.0, 2.0, 2.0] | summarize a = round(avg(v), 2)`, [{ a: 1.67 }]),
  c(
    'ratio of two aggregates',
    `datatable(b:bool)[true, false, true, true] | summarize pct = countif(b) * 100.0 / count()`,
    [{ pct: 75 }],
  ),
  c('aggregate expression with a default name', `datatable(v:long)[1, 2] | summarize sum(v) + 1`, {
    columns: ['Column1'],
  }),
  c('tostring of an aggregate', `datatable(v:long)[1, 2] | summarize s = strcat("n=", tostring(count()))`, [
    { s: 'n=2' },
  ]),
  c(
    'aggregate expression next to plain aggregates',
    `datatable(k:string, v:long)["a", 1, "a", 3, "b", 5] | summarize n = count(), d = max(v) - min(v) by k`,
    [
      { k: 'a', n: 2, d: 2 },
      { k: 'b', n: 1, d: 0 },
    ],
  ),
]

runKnownAnswers('operator known answers', cases, { sortArrays: false })

const A = `datatable(id:long, arr:dynamic)[1, dynamic(["net", "alice", "bob"]), 2, dynamic([5, 15]), 3, dynamic([])]`
runKnownAnswers(
  'mv-apply known answers',
  [
    c(
      'mv-apply with where and project',
      `${A} | where id == 1 | mv-apply e = arr on (where e !in ("net") | project e) | project id, e`,
      [
        { id: 1, e: 'alice' },
        { id: 1, e: 'bob' },
      ],
    ),
    c(
      'mv-apply with a typed item and a computed column',
      `${A} | where id == 2 | mv-apply n = arr to typeof(long) on (where n > 10 | extend twice = n * 2) | project id, n, twice`,
      [{ id: 2, n: 15, twice: 30 }],
    ),
    c(
      'mv-apply drops records whose sub-table is empty',
      `${A} | mv-apply e = arr on (where isnotempty(tostring(e))) | summarize dcount(id)`,
      [{ dcount_id: 2 }],
    ),
    c(
      'mv-apply with summarize in the subquery is refused',
      `${A} | mv-apply e = arr on (summarize count())`,
      {
        error: /mv-apply with 'summarize'/,
      },
    ),
    c(
      'row_number over sorted rows (and a starting index)',
      `datatable(x:long)[3, 1, 2] | sort by x asc | extend rn = row_number(), r10 = row_number(10)`,
      [
        { x: 1, rn: 1, r10: 10 },
        { x: 2, rn: 2, r10: 11 },
        { x: 3, rn: 3, r10: 12 },
      ],
      true,
    ),
    c(
      'prev and next are null outside the rows, or the given default',
      `datatable(x:long)[3, 1, 2] | sort by x desc | extend p = prev(x), n = next(x), p2 = prev(x, 2, -1)`,
      [
        { x: 3, p: null, n: 2, p2: -1 },
        { x: 2, p: 3, n: 1, p2: -1 },
        { x: 1, p: 2, n: null, p2: 3 },
      ],
      true,
    ),
    c(
      'serialize keeps datatable order; strings, row_cumsum and serialize assignments',
      `datatable(x:long, s:string)[5, "a", 1, "b", 7, "c"] | serialize i = row_number() | extend ps = prev(s), c = row_cumsum(x)`,
      [
        { x: 5, s: 'a', i: 1, ps: '', c: 5 },
        { x: 1, s: 'b', i: 2, ps: 'a', c: 6 },
        { x: 7, s: 'c', i: 3, ps: 'b', c: 13 },
      ],
      true,
    ),
    c(
      'serialize then summarize counts every row',
      `datatable(x:long)[1, 2, 3] | serialize | extend d = x - prev(x, 1, 0) | summarize sum(d)`,
      [{ sum_d: 3 }],
    ),
    c(
      'row_number over rows that are not serialized is refused',
      `datatable(x:long)[1, 2] | summarize by x | extend r = row_number()`,
      { error: /serialize/ },
    ),
  ],
  { sortArrays: false },
)
