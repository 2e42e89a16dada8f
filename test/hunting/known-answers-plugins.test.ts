import { runKnownAnswers, type Case, type Expect } from './harness.js'

/**
 * Known answers for `evaluate` plugins with data-dependent columns (bag_unpack, pivot; resolved by a
 * discovery query, then bound with the discovered output schema) and the operators and functions added
 * with them, written from KQL's documented semantics; each runs on both engines.
 */
const c = (name: string, q: string, expect: Expect, ordered = false): Case => ({ name, q, expect, ordered })
const P = `datatable(d:dynamic)[dynamic({"Name": "John", "Age": 20}), dynamic({"Name": "Dave", "Age": 40}), dynamic({"Name": "Jasmine", "Age": 30})]`
const M = `datatable(a:long, d:dynamic, b:string)[1, dynamic({"x": 1, "s": "hi", "m": 2}), "p", 2, dynamic({"x": 3, "m": "text", "o": {"z": 1}}), "q", 3, dynamic([1, 2]), "r"]`
const V = `datatable(State:string, EventType:string, Deaths:long)["AL", "Wind", 1, "AL", "Wind", 2, "AK", "Wind", 2, "AK", "Cold", 3, "AL", "Hail", 3]`

const cases: Case[] = [
  // bag_unpack
  c('bag_unpack: one column per slot, named and ordered by slot name', `${P} | evaluate bag_unpack(d)`, [
    { Age: 20, Name: 'John' },
    { Age: 40, Name: 'Dave' },
    { Age: 30, Name: 'Jasmine' },
  ]),
  c(
    'bag_unpack: schema order and types',
    `${P} | evaluate bag_unpack(d) | getschema | project ColumnName, ColumnType`,
    [
      { ColumnName: 'Age', ColumnType: 'long' },
      { ColumnName: 'Name', ColumnType: 'string' },
    ],
  ),
  c(
    'bag_unpack: output column prefix',
    `${P} | evaluate bag_unpack(d, 'Property_') | where Property_Age > 25 | project Property_Name`,
    [{ Property_Name: 'Dave' }, { Property_Name: 'Jasmine' }],
  ),
  c(
    'bag_unpack: kept columns stay in place; missing slots are null (empty for strings); mixed kinds are dynamic',
    `${M} | evaluate bag_unpack(d)`,
    [
      { a: 1, b: 'p', m: 2, o: null, s: 'hi', x: 1 },
      { a: 2, b: 'q', m: 'text', o: { z: 1 }, s: '', x: 3 },
      { a: 3, b: 'r', m: null, o: null, s: '', x: null },
    ],
  ),
  c('bag_unpack: column types of the mixed example', `${M} | evaluate bag_unpack(d)`, {
    columns: ['a', 'b', 'm', 'o', 's', 'x'],
  }),
  c(
    'bag_unpack: slots typed by their values, usable downstream',
    `${M} | evaluate bag_unpack(d) | extend y = x * 10, t = strcat(s, "!") | project a, y, t`,
    [
      { a: 1, y: 10, t: 'hi!' },
      { a: 2, y: 30, t: '!' },
      { a: 3, y: null, t: '!' },
    ],
  ),
  c(
    'bag_unpack: a slot named like an input column is an error by default',
    `datatable(x:long, d:dynamic)[5, dynamic({"x": 1, "y": 2})] | evaluate bag_unpack(d)`,
    { error: /columnsConflict/ },
  ),
  c(
    'bag_unpack: columnsConflict=keep_source keeps the input column',
    `datatable(x:long, d:dynamic)[5, dynamic({"x": 1, "y": 2})] | evaluate bag_unpack(d, columnsConflict='keep_source')`,
    [{ x: 5, y: 2 }],
  ),
  c(
    'bag_unpack: columnsConflict=replace_source takes the slot',
    `datatable(x:long, d:dynamic)[5, dynamic({"x": 1, "y": 2})] | evaluate bag_unpack(d, columnsConflict='replace_source')`,
    [{ x: 1, y: 2 }],
  ),
  c(
    'bag_unpack: a declared output schema is used as is (no discovery)',
    `${P} | evaluate bag_unpack(d) : (Name:string, Extra:long)`,
    [
      { Name: 'John', Extra: null },
      { Name: 'Dave', Extra: null },
      { Name: 'Jasmine', Extra: null },
    ],
  ),
  c(
    'bag_unpack: declared schema with * keeps the input columns',
    `datatable(k:string, d:dynamic)["a", dynamic({"n": 7})] | evaluate bag_unpack(d) : (*, n:string)`,
    [{ k: 'a', n: '7' }],
  ),
  c('bag_unpack: no rows, no slot columns', `${P} | where isnull(d) | evaluate bag_unpack(d)`, {
    columns: [],
  }),
  c(
    'bag_unpack of bag_unpack output (discovered one after the other)',
    `datatable(d:dynamic)[dynamic({"a": {"b": 1, "c": "x"}}), dynamic({"a": {"b": 2}})] | evaluate bag_unpack(d) | evaluate bag_unpack(a)`,
    [
      { b: 1, c: 'x' },
      { b: 2, c: '' },
    ],
  ),
  c(
    'bag_unpack inside a let read twice',
    `let T = ${P} | evaluate bag_unpack(d); T | where Age < 35 | join kind=inner (T | project Name, A2 = Age * 2) on Name | project Name, A2`,
    [
      { Name: 'John', A2: 40 },
      { Name: 'Jasmine', A2: 60 },
    ],
  ),
  c(
    'bag_unpack after make_bag (one column per packed key)',
    `datatable(dev:string, k:string, v:string)["d1", "A", "on", "d1", "B", "off", "d2", "A", "off"] | summarize bag = make_bag(bag_pack(k, v)) by dev | evaluate bag_unpack(bag)`,
    [
      { dev: 'd1', A: 'on', B: 'off' },
      { dev: 'd2', A: 'off', B: '' },
    ],
  ),
  c('bag_unpack of a string column is refused', `datatable(s:string)["{}"] | evaluate bag_unpack(s)`, {
    error: /bag_unpack expects a dynamic column/,
  }),
  // pivot
  c(
    'pivot: count per value of the pivot column, 0 where none',
    `${V} | project State, EventType | evaluate pivot(State)`,
    [
      { EventType: 'Wind', AK: 1, AL: 2 },
      { EventType: 'Cold', AK: 1, AL: 0 },
      { EventType: 'Hail', AK: 0, AL: 1 },
    ],
  ),
  c(
    'pivot: columns in value order after the grouping columns',
    `${V} | project State, EventType | evaluate pivot(State)`,
    {
      columns: ['EventType', 'AK', 'AL'],
    },
  ),
  c(
    'pivot: dcount with explicit grouping columns',
    `${V} | evaluate pivot(EventType, dcount(Deaths), State)`,
    [
      { State: 'AL', Cold: 0, Hail: 1, Wind: 2 },
      { State: 'AK', Cold: 1, Hail: 0, Wind: 1 },
    ],
  ),
  c(
    'pivot: default grouping leaves out the pivot and aggregated columns',
    `${V} | evaluate pivot(State, dcount(Deaths))`,
    [
      { EventType: 'Wind', AK: 1, AL: 2 },
      { EventType: 'Cold', AK: 1, AL: 0 },
      { EventType: 'Hail', AK: 0, AL: 1 },
    ],
  ),
  c(
    'pivot: a declared schema may list values the data lacks',
    `${V} | project State, EventType | evaluate pivot(State) : (EventType:string, AK:long, AL:long, AZ:long) | where EventType == "Hail"`,
    [{ EventType: 'Hail', AK: 0, AL: 1, AZ: 0 }],
  ),
  c(
    'pivot: data values missing from a declared schema are an error',
    `${V} | project State, EventType | evaluate pivot(State) : (EventType:string, AK:long)`,
    { error: /does not list/ },
  ),
  c('pivot: other aggregations are refused by name', `${V} | evaluate pivot(State, sum(Deaths))`, {
    error: /pivot with the aggregation 'sum'/,
  }),
  // ipv4_lookup
  c(
    'ipv4_lookup: one row per range holding the address; return_unmatched keeps the rest',
    `let N = datatable(Net:string, Name:string)["10.0.0.0/8", "ten", "10.1.0.0/16", "ten-one"]; datatable(ip:string, Name:string)["10.1.1.1", "a", "8.8.8.8", "b", "10.9.9.9", "c"] | evaluate ipv4_lookup(N, ip, Net, return_unmatched = true)`,
    [
      { ip: '10.1.1.1', Name: 'a', Net: '10.0.0.0/8', Name1: 'ten' },
      { ip: '10.1.1.1', Name: 'a', Net: '10.1.0.0/16', Name1: 'ten-one' },
      { ip: '10.9.9.9', Name: 'c', Net: '10.0.0.0/8', Name1: 'ten' },
      { ip: '8.8.8.8', Name: 'b', Net: '', Name1: '' },
    ],
  ),
  c(
    'ipv4_lookup: only matched rows by default',
    `let N = datatable(Net:string)["10.0.0.0/8"]; datatable(ip:string)["10.1.1.1", "8.8.8.8"] | evaluate ipv4_lookup(N, ip, Net)`,
    [{ ip: '10.1.1.1', Net: '10.0.0.0/8' }],
  ),
  c(
    'ipv4_lookup: extra keys must be equal too',
    `let N = datatable(Net:string, Name:string)["10.0.0.0/8", "a"]; datatable(ip:string, Name:string)["10.1.1.1", "a", "10.2.2.2", "b"] | evaluate ipv4_lookup(N, ip, Net, Name)`,
    [{ ip: '10.1.1.1', Name: 'a', Net: '10.0.0.0/8' }],
  ),
  c('evaluate: other plugins are refused by name', `${V} | evaluate narrow()`, { error: /evaluate narrow/ }),
  c(
    'getschema lists names, ordinals and types',
    `datatable(a:long, b:string, c:dynamic, d:bool)[] | getschema`,
    [
      { ColumnName: 'a', ColumnOrdinal: 0, DataType: 'System.Int64', ColumnType: 'long' },
      { ColumnName: 'b', ColumnOrdinal: 1, DataType: 'System.String', ColumnType: 'string' },
      { ColumnName: 'c', ColumnOrdinal: 2, DataType: 'System.Object', ColumnType: 'dynamic' },
      { ColumnName: 'd', ColumnOrdinal: 3, DataType: 'System.SByte', ColumnType: 'bool' },
    ],
  ),
  // make_bag
  c(
    'make_bag merges the bags of a group and ignores other values',
    `datatable(g:string, d:dynamic)["a", dynamic({"x": 1}), "a", dynamic({"y": "s"}), "a", dynamic([1]), "b", dynamic(null)] | summarize b = make_bag(d) by g`,
    [
      { g: 'a', b: { x: 1, y: 's' } },
      { g: 'b', b: {} },
    ],
  ),
  c(
    'make_bag_if',
    `datatable(n:long, d:dynamic)[1, dynamic({"x": 1}), 2, dynamic({"y": 2})] | summarize b = make_bag_if(d, n > 1)`,
    [{ b: { y: 2 } }],
  ),
  // join/lookup shapes, mv-expand naming, several arg_max(*)
  c(
    'lookup on $left.a == $right.b leaves the right key out',
    `datatable(a:string, x:long)["k", 1, "m", 2] | lookup (datatable(b:string, y:long, x:long)["k", 2, 3]) on $left.a == $right.b`,
    [
      { a: 'k', x: 1, y: 2, x1: 3 },
      { a: 'm', x: 2, y: null, x1: null },
    ],
  ),
  c(
    'mv-expand of a function of a column replaces that column',
    `datatable(a:string, x:string)["k", "[1, 2]"] | mv-expand parse_json(x) | extend t = tolong(x) * 10`,
    [
      { a: 'k', x: 1, t: 10 },
      { a: 'k', x: 2, t: 20 },
    ],
  ),
  c(
    'mv-expand of another expression makes Column1',
    `datatable(x:string)["[3]"] | mv-expand parse_json(strcat(x, "")) to typeof(long)`,
    [{ x: '[3]', Column1: 3 }],
  ),
  c(
    'several arg_max/arg_min(…, *) in one summarize',
    `datatable(t:long, a:string, b:long)[1, "x", 2, 3, "x", 1, 2, "y", 5] | summarize c = count(), arg_min(t, *), arg_max(t, *) by a`,
    [
      { a: 'x', c: 2, t: 1, b: 2, t1: 3, b1: 1 },
      { a: 'y', c: 1, t: 2, b: 5, t1: 2, b1: 5 },
    ],
  ),
  c(
    'named arg_max and arg_min with * next to a bin key',
    `datatable(t:long, a:string, b:long)[1, "x", 2, 3, "x", 1] | summarize L = arg_max(t, *), F = arg_min(t, *) by a, bin(t, 10)`,
    [{ a: 'x', t: 0, L: 3, b: 1, F: 1, b1: 2 }],
  ),
  // top-nested
  c(
    'top-nested: top groups per level, the next level inside each kept group',
    `datatable(a:string, b:string, c:long)["x", "p", 1, "x", "q", 5, "x", "q", 1, "y", "p", 10, "z", "r", 2, "z", "s", 3] | top-nested 2 of a by sum(c), top-nested 1 of b by s = count() desc`,
    [
      { a: 'y', aggregated_a: 10, b: 'p', s: 1 },
      { a: 'x', aggregated_a: 7, b: 'q', s: 2 },
    ],
  ),
  c(
    'top-nested asc, ties broken by key',
    `datatable(a:string, b:string)["x", "p", "x", "q", "y", "p", "z", "r"] | top-nested 2 of a by dcount(b) asc`,
    [
      { a: 'y', aggregated_a: 1 },
      { a: 'z', aggregated_a: 1 },
    ],
  ),
  c(
    'top-nested without a count keeps every group',
    `datatable(a:string, c:long)["x", 1, "y", 2, "x", 4] | top-nested of a by max(c)`,
    [
      { a: 'x', aggregated_a: 4 },
      { a: 'y', aggregated_a: 2 },
    ],
  ),
  c(
    'top-nested with others is refused',
    `datatable(a:string)["x"] | top-nested 1 of a with others = "o" by count()`,
    {
      error: /top-nested with others/,
    },
  ),
  c(
    'a name inside bin() names the by column',
    `datatable(t:datetime)[datetime(2025-01-01 10:03), datetime(2025-01-01 10:07)] | summarize n = count() by bin(FiveMin = t, 5m)`,
    [
      { FiveMin: '2025-01-01T10:00:00.0000000Z', n: 1 },
      { FiveMin: '2025-01-01T10:05:00.0000000Z', n: 1 },
    ],
  ),
  c(
    'in~ over toscalar(make_set(…)) matches the elements',
    `let s = toscalar(datatable(k:string)["a", "B"] | summarize make_set(k)); datatable(x:string, n:long)["A", 1, "b", 2, "c", 3] | where x in~ (s) | project n`,
    [{ n: 1 }, { n: 2 }],
  ),
  // make-series
  c(
    'make-series: one array per aggregate over the bins, default where a bin is empty, bins as the axis',
    `datatable(t:datetime, k:string, v:long)[datetime(2025-01-01 00:10), "a", 1, datetime(2025-01-01 00:20), "a", 3, datetime(2025-01-01 13:00), "b", 5, datetime(2025-01-03), "a", 9] | make-series c = count(), s = sum(v) default = -1 on t from datetime(2025-01-01) to datetime(2025-01-02) step 6h by k`,
    [
      {
        k: 'a',
        c: [2, 0, 0, 0],
        s: [4, -1, -1, -1],
        t: ['2025-01-01T00:00:00Z', '2025-01-01T06:00:00Z', '2025-01-01T12:00:00Z', '2025-01-01T18:00:00Z'],
      },
      {
        k: 'b',
        c: [0, 0, 1, 0],
        s: [-1, -1, 5, -1],
        t: ['2025-01-01T00:00:00Z', '2025-01-01T06:00:00Z', '2025-01-01T12:00:00Z', '2025-01-01T18:00:00Z'],
      },
    ],
  ),
  c(
    'make-series without from/to spans the bins of the earliest and latest rows',
    `datatable(t:datetime, v:long)[datetime(2025-01-01 00:10), 1, datetime(2025-01-01 13:00), 5] | make-series sum(v) on t step 6h`,
    [{ sum_v: [1, 0, 5], t: ['2025-01-01T00:00:00Z', '2025-01-01T06:00:00Z', '2025-01-01T12:00:00Z'] }],
  ),
  c(
    'make-series on a numeric axis is refused',
    `datatable(x:long, v:long)[1, 1] | make-series sum(v) on x from 0 to 10 step 1`,
    {
      error: /make-series on a non-datetime axis/,
    },
  ),
  // search
  c(
    'search: a term matches any column (has), rows of every table with $table',
    `let A = datatable(s:string, n:long)["hello world", 1, "other", 2]; let B = datatable(s:string, t:string)["x", "hello there", "HELLOX", "y"]; search in (A, B) "hello" | project ["$table"], s, n, t`,
    [
      { $table: 'A', s: 'hello world', n: 1, t: '' },
      { $table: 'B', s: 'x', n: null, t: 'hello there' },
    ],
  ),
  c(
    'search: prefix terms, column terms and not()',
    `let A = datatable(s:string, n:long)["hello world", 1, "other", 2]; let B = datatable(s:string, t:string)["x", "hello there", "HELLOX", "y"]; search in (A, B) "hel*" and not(t:"there") | project ["$table"], s`,
    [
      { $table: 'A', s: 'hello world' },
      { $table: 'B', s: 'HELLOX' },
    ],
  ),
  c(
    'search after a pipe reads numbers as text; *x* is contains',
    `datatable(s:string, n:long)["hello world", 1, "other", 2] | search "2" or s:"*orl*"`,
    [
      { s: 'hello world', n: 1 },
      { s: 'other', n: 2 },
    ],
  ),
  c(
    'search kind=case_sensitive',
    `let A = datatable(s:string)["hello world", "Hello"]; search kind=case_sensitive in (A) "Hello" | project s`,
    [{ s: 'Hello' }],
  ),
  c('search without in (…) reads every hunting table (empty here)', `search "x" | count`, [{ Count: 0 }]),
  // functions
  c(
    'countof counts overlapping plain matches and non-overlapping regex matches',
    `print a = countof("ababa", "aba"), b = countof("ababa", "aba", "regex"), c = countof("aaa", "a"), d = countof("The Cat", "[A-Z]", "regex"), e = countof("abcabc", "bc"), f = countof("", "a")`,
    [{ a: 2, b: 1, c: 3, d: 2, e: 2, f: 0 }],
  ),
  c(
    'url_encode: lowercase %xx of UTF-8 bytes, + for space',
    `print a = url_encode("https://www.bing.com/hello world"), b = url_encode("é_-~x")`,
    [{ a: 'https%3a%2f%2fwww.bing.com%2fhello+world', b: '%c3%a9_-%7ex' }],
  ),
  c(
    'format_timespan with custom specifiers (magnitude, no sign)',
    `print a = format_timespan(time(1.02:03:04.5678), "dd.hh:mm:ss"), b = format_timespan(time(-29.09:00:05.12345), @"d\\.hh\\:mm\\:ss\\.fff"), c = format_timespan(time(0:0:1.5), "s.FFF"), d = format_timespan(time(null), "s")`,
    [{ a: '01.02:03:04', b: '29.09:00:05.123', c: '1.5', d: '' }],
  ),
  c('format_timespan refuses specifiers it does not know', `print a = format_timespan(1h, "h tt")`, {
    error: /format_timespan format/,
  }),
  c(
    'range() is inclusive of the stop value',
    `print r = range(1, 5, 2), r2 = range(5, 1, -2), r3 = range(1, 3), n = range(1, 3, 0)`,
    [{ r: [1, 3, 5], r2: [5, 3, 1], r3: [1, 2, 3], n: null }],
  ),
  c(
    'datetime literals with quoted US-style text',
    `print a = datetime("01/16/2022 00:00:00"), b = datetime('2022-01-02 03:04')`,
    [{ a: '2022-01-16T00:00:00.0000000Z', b: '2022-01-02T03:04:00.0000000Z' }],
  ),
]

runKnownAnswers('known answers (plugins)', cases, { sortArrays: false })
