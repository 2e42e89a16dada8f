import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runKnownAnswers, type Case, type Expect } from './harness.js'

/**
 * Known answers written from KQL's documented semantics, each run on every backend over `datatable`
 * inputs: term matching, case rules, joins, nulls, bin, default names, dynamic access, mv-expand,
 * string and datetime functions.
 */
const S = `datatable(s:string)["Hello World", "hello-world.exe", "HELLOWORLD", "say hello", "", "x_hello_y", "cmd.exe /c whoami"]`
const W = `datatable(s:string)["50%", "a_b", "axb", @"c:\\temp", "100 percent", ""]`
const N = `datatable(k:string, v:long, r:real)["a", 1, 1.5, "a", 2, 2.5, "b", 3, 3.5, "c", long(null), real(null)]`
const L = `datatable(k:string, lv:long)["a", 1, "a", 2, "b", 3, "d", 4]`
const R = `datatable(k:string, rv:string)["a", "x", "a", "y", "c", "z"]`
const T = `datatable(t:datetime, n:long)[datetime(2025-01-01 10:17:00), 1, datetime(2025-01-01 10:59:59), 2, datetime(2025-01-01 11:00:00), 3, datetime(2025-01-02 00:30:00), 4]`

const count = (n: number) => [{ count_: n }]
const c = (name: string, q: string, expect: Expect, ordered = false): Case => ({ name, q, expect, ordered })

const cases: Case[] = [
  // has: whole terms, case-insensitive
  c('has matches a whole term', `${S} | where s has "hello" | count`, [{ Count: 4 }]),
  c('has does not match inside a term', `${S} | where s has "ell" | count`, [{ Count: 0 }]),
  c('has is case-insensitive', `${S} | where s has "WORLD" | count`, [{ Count: 2 }]),
  c('has_cs is case-sensitive', `${S} | where s has_cs "World" | count`, [{ Count: 1 }]),
  c('!has negates', `${S} | where s !has "hello" | count`, [{ Count: 3 }]),
  c('has with punctuation needle', `${S} | where s has "world.exe" | count`, [{ Count: 1 }]),
  c('has with leading non-alnum needle', `${S} | where s has "/c" | count`, [{ Count: 1 }]),
  c('underscore is a term delimiter here', `${S} | where s has "hello" and s contains "_" | count`, [
    { Count: 1 },
  ]),
  c('hasprefix matches term starts', `${S} | where s hasprefix "who" | count`, [{ Count: 1 }]),
  c('hassuffix matches term ends', `${S} | where s hassuffix "ami" | count`, [{ Count: 1 }]),
  c('has_any matches any term', `${S} | where s has_any ("say", "whoami") | count`, [{ Count: 2 }]),
  c(
    'has_any with a dynamic list',
    `let l = dynamic(["exe", "nothing"]); ${S} | where s has_any (l) | count`,
    [{ Count: 2 }],
  ),
  c('has_all needs every term', `${S} | where s has_all ("hello", "world") | count`, [{ Count: 2 }]),
  c('has empty needle', `${S} | where s has "" | count`, [{ Count: 7 }]),
  // contains / startswith / endswith
  c('contains is a substring match', `${S} | where s contains "ell" | count`, [{ Count: 5 }]),
  c('contains is case-insensitive', `${S} | where s contains "HELLO" | count`, [{ Count: 5 }]),
  c('contains_cs is case-sensitive', `${S} | where s contains_cs "HELLO" | count`, [{ Count: 1 }]),
  c('!contains keeps empty strings', `${S} | where s !contains "o" | count`, [{ Count: 1 }]),
  c('startswith is case-insensitive', `${S} | where s startswith "HELLO" | count`, [{ Count: 3 }]),
  c('startswith_cs', `${S} | where s startswith_cs "hello" | count`, [{ Count: 1 }]),
  c('!startswith', `${S} | where s !startswith "hello" | count`, [{ Count: 4 }]),
  c('endswith', `${S} | where s endswith ".EXE" | count`, [{ Count: 1 }]),
  c('endswith_cs', `${S} | where s endswith_cs ".EXE" | count`, [{ Count: 0 }]),
  c('!endswith', `${S} | where s !endswith "exe" | count`, [{ Count: 6 }]),
  c('matches regex', `${S} | where s matches regex @"^h.*exe$" | count`, [{ Count: 1 }]),
  // constant needles with LIKE metacharacters (PostgreSQL lowers them to escaped LIKE patterns)
  c('contains "%" is literal', `${W} | where s contains "%" | count`, [{ Count: 1 }]),
  c('contains "_" is literal', `${W} | where s contains "_" | count`, [{ Count: 1 }]),
  c('!contains "_" keeps empty strings', `${W} | where s !contains "_" | count`, [{ Count: 5 }]),
  c('startswith "A_" is literal and case-insensitive', `${W} | where s startswith "A_" | count`, [
    { Count: 1 },
  ]),
  c('endswith a backslash needle', `${W} | where s endswith @"\\TEMP" | count`, [{ Count: 1 }]),
  c('contains as a value is false, never null', `${W} | extend m = s contains "%" | where not(m) | count`, [
    { Count: 5 },
  ]),
  // equality and sets
  c('== is case-sensitive', `${S} | where s == "helloworld" | count`, [{ Count: 0 }]),
  c('=~ is case-insensitive', `${S} | where s =~ "helloworld" | count`, [{ Count: 1 }]),
  c('!~ negates =~', `${S} | where s !~ "helloworld" | count`, [{ Count: 6 }]),
  c('!= keeps empty strings', `${S} | where s != "say hello" | count`, [{ Count: 6 }]),
  c('== "" matches the empty string', `${S} | where s == "" | count`, [{ Count: 1 }]),
  c('in is case-sensitive', `${S} | where s in ("helloworld", "say hello") | count`, [{ Count: 1 }]),
  c('in~ is case-insensitive', `${S} | where s in~ ("helloworld", "SAY HELLO") | count`, [{ Count: 2 }]),
  c('!in', `${S} | where s !in ("", "say hello") | count`, [{ Count: 5 }]),
  c('!in~', `${S} | where s !in~ ("HELLOWORLD") | count`, [{ Count: 6 }]),
  c('in with a dynamic array', `${N} | where v in (dynamic([1, 3])) | project k`, [{ k: 'a' }, { k: 'b' }]),
  c('in with a tabular operand', `${N} | where k in ((${R} | project k)) | count`, [{ Count: 3 }]),
  c('isempty / isnotempty on strings', `${S} | summarize e=countif(isempty(s)), ne=countif(isnotempty(s))`, [
    { e: 1, ne: 6 },
  ]),
  // numbers and nulls
  c('comparison drops nulls', `${N} | where v > 1 | count`, [{ Count: 2 }]),
  c('isnull / isnotnull', `${N} | summarize a=countif(isnull(v)), b=countif(isnotnull(v))`, [{ a: 1, b: 3 }]),
  c('between is inclusive', `${N} | where v between (2 .. 3) | count`, [{ Count: 2 }]),
  c('!between', `${N} | where v !between (2 .. 3) | count`, [{ Count: 2 }]),
  c('long division truncates', `print a = 7 / 2, b = 7.0 / 2, c = -7 / 2`, [{ a: 3, b: 3.5, c: -3 }]),
  c('modulo', `print a = 7 % 3`, [{ a: 1 }]),
  c('arithmetic with null is null', `${N} | where k == "c" | extend x = v + 1 | project x`, [{ x: null }]),
  c('abs and round', `print a = abs(-3), b = round(2.567, 2)`, [{ a: 3, b: 2.57 }]),
  c('iff', `${N} | extend x = iff(v > 1, "big", "small") | project k, x | where k == "b"`, [
    { k: 'b', x: 'big' },
  ]),
  c('case', `${N} | extend x = case(v == 1, "one", v == 2, "two", "many") | project x`, [
    { x: 'one' },
    { x: 'two' },
    { x: 'many' },
    { x: 'many' },
  ]),
  c('coalesce on strings skips empty', `print a = coalesce("", "x", "y")`, [{ a: 'x' }]),
  c('coalesce on longs', `print a = coalesce(long(null), 5)`, [{ a: 5 }]),
  c('unary minus', `print a = -(3)`, [{ a: -3 }]),
  // summarize default names and aggregates
  c('count() is named count_', `${N} | summarize count()`, count(4)),
  c('dcount names dcount_<col>', `${N} | summarize dcount(k)`, [{ dcount_k: 3 }]),
  c('sum / min / max / avg names', `${N} | summarize sum(v), min(v), max(v), avg(v)`, [
    { sum_v: 6, min_v: 1, max_v: 3, avg_v: 2 },
  ]),
  c(
    'summarize by key',
    `${N} | summarize n = count() by k | sort by k asc`,
    [
      { k: 'a', n: 2 },
      { k: 'b', n: 1 },
      { k: 'c', n: 1 },
    ],
    true,
  ),
  c('countif', `${N} | summarize c = countif(v >= 2)`, [{ c: 2 }]),
  c('dcountif', `${N} | summarize c = dcountif(k, v >= 2)`, [{ c: 2 }]),
  c('sumif', `${N} | summarize s = sumif(v, k == "a")`, [{ s: 3 }]),
  c('make_set dedupes', `${N} | summarize s = make_set(k)`, [{ s: ['a', 'b', 'c'] }]),
  c('make_list keeps duplicates', `${N} | summarize s = make_list(k)`, [{ s: ['a', 'a', 'b', 'c'] }]),
  c('make_set_if', `${N} | summarize s = make_set_if(k, v > 1)`, [{ s: ['a', 'b'] }]),
  c(
    'arg_max(x, *) returns the whole row',
    `${N} | summarize arg_max(v, *) by k | where k != "c" | sort by k asc`,
    [
      { k: 'a', v: 2, r: 2.5 },
      { k: 'b', v: 3, r: 3.5 },
    ],
    true,
  ),
  c('arg_min with explicit columns', `${N} | summarize arg_min(v, r) by k | where k == "a"`, [
    { k: 'a', v: 1, r: 1.5 },
  ]),
  c('arg_max without by', `${N} | summarize arg_max(r, k)`, [{ r: 3.5, k: 'b' }]),
  c('summarize with no rows still counts', `${N} | where v > 100 | summarize count()`, count(0)),
  c(
    'summarize by bin',
    `${T} | summarize c = count() by bin(t, 1h) | sort by t asc`,
    [
      { t: '2025-01-01T10:00:00.0000000Z', c: 2 },
      { t: '2025-01-01T11:00:00.0000000Z', c: 1 },
      { t: '2025-01-02T00:00:00.0000000Z', c: 1 },
    ],
    true,
  ),
  c('bin on numbers', `print a = bin(17, 5), b = bin(4.7, 1.0)`, [{ a: 15, b: 4 }]),
  c(
    'bin by day',
    `${T} | summarize c = count() by d = bin(t, 1d) | sort by d asc`,
    [
      { d: '2025-01-01T00:00:00.0000000Z', c: 3 },
      { d: '2025-01-02T00:00:00.0000000Z', c: 1 },
    ],
    true,
  ),
  c('take_any returns a value of the group', `${L} | where k == "b" | summarize x = take_any(lv)`, [
    { x: 3 },
  ]),
  c('percentile', `datatable(x:long)[1,2,3,4,5,6,7,8,9,10] | summarize p = percentile(x, 50)`, [{ p: 5 }]),
  c('stdev', `datatable(x:real)[2,4,4,4,5,5,7,9] | summarize s = stdev(x) | project s = round(s, 3)`, [
    { s: 2.138 },
  ]),
  // tabular operators
  c('project renames and computes', `${N} | where k == "b" | project k, w = v * 2`, [{ k: 'b', w: 6 }]),
  c('project-away', `${N} | project-away r | where k == "b"`, [{ k: 'b', v: 3 }]),
  c('project-rename', `${N} | project-rename key = k | where key == "b" | project key`, [{ key: 'b' }]),
  c('project-reorder', `${N} | project-reorder r, k | where k == "b"`, [{ r: 3.5, k: 'b', v: 3 }]),
  c('extend replaces in place', `${N} | extend v = v * 10 | where k == "b"`, [{ k: 'b', v: 30, r: 3.5 }]),
  c('extend chain', `${N} | extend a = v + 1 | extend b = a * 2 | where k == "b" | project a, b`, [
    { a: 4, b: 8 },
  ]),
  c('extend unnamed expression gets Column1', `print x = 1 | extend x + 1`, [{ x: 1, Column1: 2 }]),
  c(
    'sort desc is the default',
    `${N} | where isnotnull(v) | sort by v | project v`,
    [{ v: 3 }, { v: 2 }, { v: 1 }],
    true,
  ),
  c(
    'sort asc puts nulls first',
    `${N} | sort by v asc | project k`,
    [{ k: 'c' }, { k: 'a' }, { k: 'a' }, { k: 'b' }],
    true,
  ),
  c(
    'sort desc puts nulls last',
    `${N} | sort by v desc | project k`,
    [{ k: 'b' }, { k: 'a' }, { k: 'a' }, { k: 'c' }],
    true,
  ),
  c(
    'sort by two keys',
    `${L} | sort by k asc, lv desc | project lv`,
    [{ lv: 2 }, { lv: 1 }, { lv: 3 }, { lv: 4 }],
    true,
  ),
  c('order is an alias of sort', `${L} | order by lv asc | take 1 | project lv`, [{ lv: 1 }]),
  c('top', `${L} | top 2 by lv | project lv`, [{ lv: 4 }, { lv: 3 }], true),
  c('top asc', `${L} | top 1 by lv asc | project lv`, [{ lv: 1 }]),
  c(
    'take after sort keeps the order',
    `${L} | sort by lv asc | take 3 | project lv`,
    [{ lv: 1 }, { lv: 2 }, { lv: 3 }],
    true,
  ),
  c('limit is take', `${L} | limit 2 | count`, [{ Count: 2 }]),
  c('distinct', `${L} | distinct k | sort by k asc`, [{ k: 'a' }, { k: 'b' }, { k: 'd' }], true),
  c('distinct *', `datatable(a:long)[1,1,2] | distinct * | count`, [{ Count: 2 }]),
  c('count operator', `${L} | count`, [{ Count: 4 }]),
  c(
    'union merges columns by name',
    `union (${L} | where k == "d"), (${R} | where k == "c") | project k, lv, rv`,
    [
      { k: 'd', lv: 4, rv: '' },
      { k: 'c', lv: null, rv: 'z' },
    ],
  ),
  c('union withsource', `union withsource=Src (print a = 1), (print a = 2) | summarize c = dcount(Src)`, [
    { c: 2 },
  ]),
  c('datatable with nulls', `datatable(a:long, b:string)[long(null), "x"] | project a, b`, [
    { a: null, b: 'x' },
  ]),
  c('print', `print a = 1, b = "x", c = true`, [{ a: 1, b: 'x', c: true }]),
  // joins
  c('default join is innerunique', `${L} | join (${R}) on k | count`, [{ Count: 2 }]),
  c('kind=inner keeps all pairs', `${L} | join kind=inner (${R}) on k | count`, [{ Count: 4 }]),
  c('join output renames right duplicates', `${L} | where k == "b" | join kind=leftouter (${R}) on k`, [
    { k: 'b', lv: 3, k1: '', rv: '' },
  ]),
  c('leftouter', `${L} | join kind=leftouter (${R}) on k | count`, [{ Count: 6 }]),
  c('rightouter', `${L} | join kind=rightouter (${R}) on k | count`, [{ Count: 5 }]),
  c('fullouter', `${L} | join kind=fullouter (${R}) on k | count`, [{ Count: 7 }]),
  c(
    'leftsemi',
    `${L} | join kind=leftsemi (${R}) on k | project lv | sort by lv asc`,
    [{ lv: 1 }, { lv: 2 }],
    true,
  ),
  c(
    'leftanti',
    `${L} | join kind=leftanti (${R}) on k | project lv | sort by lv asc`,
    [{ lv: 3 }, { lv: 4 }],
    true,
  ),
  c(
    'rightsemi',
    `${L} | join kind=rightsemi (${R}) on k | project rv | sort by rv asc`,
    [{ rv: 'x' }, { rv: 'y' }],
    true,
  ),
  c('rightanti', `${L} | join kind=rightanti (${R}) on k | project rv`, [{ rv: 'z' }]),
  c(
    'join on $left/$right',
    `${L} | join kind=inner (${R} | project key = k, rv) on $left.k == $right.key | count`,
    [{ Count: 4 }],
  ),
  c(
    'lookup defaults to leftouter without duplicate key',
    `${L} | lookup (${R} | where rv != "y") on k | sort by lv asc`,
    [
      { k: 'a', lv: 1, rv: 'x' },
      { k: 'a', lv: 2, rv: 'x' },
      { k: 'b', lv: 3, rv: '' },
      { k: 'd', lv: 4, rv: '' },
    ],
    true,
  ),
  c('lookup kind=inner', `${L} | lookup kind=inner (${R} | where rv != "y") on k | count`, [{ Count: 2 }]),
  // let / materialize / toscalar / functions
  c('scalar let', `let x = 2; ${L} | where lv > x | count`, [{ Count: 2 }]),
  c('tabular let used twice', `let t = ${L} | where lv > 1; t | join kind=inner (t) on k | count`, [
    { Count: 3 },
  ]),
  c('materialize', `let t = materialize(${L} | summarize m = max(lv)); t | project m`, [{ m: 4 }]),
  c('toscalar', `let m = toscalar(${L} | summarize max(lv)); ${L} | where lv == m | project k`, [{ k: 'd' }]),
  c('let function with a scalar parameter', `let f = (x:long) { x * 2 }; print a = f(21)`, [{ a: 42 }]),
  c('let function returning a table', `let f = (n:long) { ${L} | where lv > n }; f(3) | project k`, [
    { k: 'd' },
  ]),
  c('invoke a user function', `let f = (T:(lv:long)) { T | where lv < 2 }; ${L} | invoke f() | project lv`, [
    { lv: 1 },
  ]),
  // dynamic
  c('dynamic property access', `print d = dynamic({"a": {"b": 5}}) | project x = d.a.b`, [{ x: 5 }]),
  c('dynamic bracket access', `print d = dynamic({"a b": 1}) | project x = d["a b"]`, [{ x: 1 }]),
  c('array index', `print d = dynamic([10, 20, 30]) | project x = d[1], y = d[-1]`, [{ x: 20, y: 30 }]),
  c('missing property is null', `print d = dynamic({"a": 1}) | project x = d.b`, [{ x: null }]),
  c(
    'parse_json of text',
    `print s = '{"k": "v", "n": [1, 2]}' | extend j = parse_json(s) | project k = tostring(j.k), n = array_length(j.n)`,
    [{ k: 'v', n: 2 }],
  ),
  c('parse_json of invalid text is a string', `print j = parse_json("not json") | project t = tostring(j)`, [
    { t: 'not json' },
  ]),
  c(
    'tostring of a dynamic object is JSON text',
    `print j = dynamic({"a":1}) | project t = tostring(parse_json(tostring(j)).a)`,
    [{ t: '1' }],
  ),
  c('compare dynamic with string', `print j = dynamic({"a":"x"}) | where j.a == "x" | count`, [{ Count: 1 }]),
  c('pack_array and array_length', `print a = array_length(pack_array(1, 2, 3))`, [{ a: 3 }]),
  c('bag_pack', `print b = bag_pack("k", 1) | project v = b.k`, [{ v: 1 }]),
  c('extract_json', `print s = '{"a":{"b":"c"}}' | project v = extract_json("$.a.b", s)`, [{ v: 'c' }]),
  c('split', `print a = split("a,b,c", ",") | project x = a[1], n = array_length(a)`, [{ x: 'b', n: 3 }]),
  c('split with index', `print a = split("a,b,c", ",", 2)`, [{ a: 'c' }]),
  c('set_has_element', `print a = set_has_element(dynamic(["x", "y"]), "y")`, [{ a: true }]),
  c(
    'mv-expand an array',
    `datatable(k:string, a:dynamic)["x", dynamic([1, 2]), "y", dynamic([3])] | mv-expand a | project k, a`,
    [
      { k: 'x', a: 1 },
      { k: 'x', a: 2 },
      { k: 'y', a: 3 },
    ],
  ),
  c(
    'mv-expand drops empty arrays',
    `datatable(k:string, a:dynamic)["x", dynamic([]), "y", dynamic([3])] | mv-expand a | count`,
    [{ Count: 1 }],
  ),
  c(
    'mv-expand to typeof',
    `print a = dynamic(["1", "2"]) | mv-expand a to typeof(long) | summarize s = sum(a)`,
    [{ s: 3 }],
  ),
  c(
    'mv-expand with_itemindex',
    `print a = dynamic(["p", "q"]) | mv-expand with_itemindex=i a | project i, a`,
    [
      { i: 0, a: 'p' },
      { i: 1, a: 'q' },
    ],
  ),
  c('mv-expand a bag', `print b = dynamic({"x": 1, "y": 2}) | mv-expand b | count`, [{ Count: 2 }]),
  c(
    'mv-expand two arrays in parallel',
    `print a = dynamic([1, 2]), b = dynamic(["u"]) | mv-expand a, b | project a, b`,
    [
      { a: 1, b: 'u' },
      { a: 2, b: null },
    ],
  ),
  c('mv-expand limit', `print a = dynamic([1, 2, 3]) | mv-expand a limit 2 | count`, [{ Count: 2 }]),
  // strings
  c('strcat', `print a = strcat("a", 1, "b")`, [{ a: 'a1b' }]),
  c('strlen', `print a = strlen("héllo")`, [{ a: 5 }]),
  c('tolower / toupper', `print a = tolower("AbC"), b = toupper("AbC")`, [{ a: 'abc', b: 'ABC' }]),
  c('substring is zero-based', `print a = substring("abcdef", 1, 3), b = substring("abcdef", 4)`, [
    { a: 'bcd', b: 'ef' },
  ]),
  c('indexof', `print a = indexof("abcabc", "c"), b = indexof("abc", "z")`, [{ a: 2, b: -1 }]),
  c('replace_string', `print a = replace_string("a.b.c", ".", "-")`, [{ a: 'a-b-c' }]),
  c('replace_regex', `print a = replace_regex("a1b22", @"\\d+", "#")`, [{ a: 'a#b#' }]),
  c('extract group', `print a = extract(@"(\\d+)-(\\d+)", 2, "id 12-345")`, [{ a: '345' }]),
  c('extract no match is empty', `print a = extract(@"(\\d+)", 1, "none")`, [{ a: '' }]),
  c('extract typed', `print a = extract(@"(\\d+)", 1, "n=42", typeof(long))`, [{ a: 42 }]),
  c('trim', `print a = trim(@"\\s", "  x  ")`, [{ a: 'x' }]),
  c('countof', `print a = countof("abcabc", "bc")`, [{ a: 2 }]),
  c('base64_decode_tostring', `print a = base64_decode_tostring("aGVsbG8=")`, [{ a: 'hello' }]),
  c('url_decode', `print a = url_decode("a%20b")`, [{ a: 'a b' }]),
  c('tostring of numbers and bools', `print a = tostring(5), b = tostring(true)`, [{ a: '5', b: 'true' }]),
  c('toint / tolong / todouble from strings', `print a = toint("12"), b = tolong("x"), c = todouble("1.5")`, [
    { a: 12, b: null, c: 1.5 },
  ]),
  c(
    'parse_url',
    `print u = parse_url("https://host.example:8443/p/q?x=1#f") | project h = tostring(u.Host), p = tostring(u.Port), f = tostring(u.Fragment)`,
    [{ h: 'host.example', p: '8443', f: 'f' }],
  ),
  c(
    'ipv4_is_private',
    `print a = ipv4_is_private("10.1.2.3"), b = ipv4_is_private("8.8.8.8"), c = ipv4_is_private("172.20.0.1")`,
    [{ a: true, b: false, c: true }],
  ),
  c(
    'ipv4_is_in_range',
    `print a = ipv4_is_in_range("192.168.1.7", "192.168.1.0/24"), b = ipv4_is_in_range("192.168.2.7", "192.168.1.0/24")`,
    [{ a: true, b: false }],
  ),
  // datetime
  c('ago reads the clock', `print a = ago(1d)`, [{ a: '2025-05-31T12:00:00.0000000Z' }]),
  c('now reads the clock', `print a = now()`, [{ a: '2025-06-01T12:00:00.0000000Z' }]),
  c('now with offset', `print a = now(-1h)`, [{ a: '2025-06-01T11:00:00.0000000Z' }]),
  c('datetime arithmetic', `print a = datetime(2025-01-01) + 1d`, [{ a: '2025-01-02T00:00:00.0000000Z' }]),
  c(
    'datetime ± timespan keeps microseconds, crosses month ends; timespan + datetime; a null timespan gives null',
    `datatable(t:datetime, s:timespan)[datetime(2025-01-01 00:00:00.123456), 1h, datetime(2025-03-01), 1d, datetime(2025-01-01), time(null)]
     | extend minus = t - s, plus = s + t, upto = t between (datetime(2024-12-31 23:30) .. 30m)`,
    [
      {
        t: '2025-01-01T00:00:00.1234560Z',
        s: '01:00:00',
        minus: '2024-12-31T23:00:00.1234560Z',
        plus: '2025-01-01T01:00:00.1234560Z',
        upto: false,
      },
      {
        t: '2025-03-01T00:00:00.0000000Z',
        s: '1.00:00:00',
        minus: '2025-02-28T00:00:00.0000000Z',
        plus: '2025-03-02T00:00:00.0000000Z',
        upto: false,
      },
      { t: '2025-01-01T00:00:00.0000000Z', s: null, minus: null, plus: null, upto: true },
    ],
  ),
  c('datetime difference is a timespan', `print a = datetime(2025-01-02) - datetime(2025-01-01 12:00)`, [
    { a: '12:00:00' },
  ]),
  c('timespan division', `print a = 1d / 1h`, [{ a: 24 }]),
  c('startofday', `print a = startofday(datetime(2025-03-04 05:06:07))`, [
    { a: '2025-03-04T00:00:00.0000000Z' },
  ]),
  c('startofmonth', `print a = startofmonth(datetime(2025-03-04 05:06:07))`, [
    { a: '2025-03-01T00:00:00.0000000Z' },
  ]),
  c(
    'datetime_diff in days',
    `print a = datetime_diff("day", datetime(2025-01-03 01:00), datetime(2025-01-01 23:00))`,
    [{ a: 2 }],
  ),
  c('datetime_add', `print a = datetime_add("hour", 2, datetime(2025-01-01))`, [
    { a: '2025-01-01T02:00:00.0000000Z' },
  ]),
  c('hourofday', `print a = hourofday(datetime(2025-01-01 13:45))`, [{ a: 13 }]),
  c('dayofweek is a timespan of days since Sunday', `print a = dayofweek(datetime(2025-01-01))`, [
    { a: '3.00:00:00' },
  ]),
  c('between datetime and timespan', `${T} | where t between (datetime(2025-01-01 10:00) .. 1h) | count`, [
    { Count: 3 },
  ]),
  c('where over ago', `${T} | where t > ago(1000d) | count`, [{ Count: 4 }]),
  c('todatetime from text', `print a = todatetime("2025-02-03T04:05:06Z")`, [
    { a: '2025-02-03T04:05:06.0000000Z' },
  ]),
  c('tostring of a datetime', `print a = tostring(datetime(2025-02-03 04:05:06))`, [
    { a: '2025-02-03T04:05:06Z' },
  ]),
  c('datetime keeps microseconds', `print a = datetime(2025-02-03 04:05:06.123456)`, [
    { a: '2025-02-03T04:05:06.1234560Z' },
  ]),
  c(
    'datetime literals of years before 100',
    `print a = datetime(0001-01-01), b = datetime(0099-12-31 23:00)`,
    [{ a: '0001-01-01T00:00:00.0000000Z', b: '0099-12-31T23:00:00.0000000Z' }],
  ),
  // render and errors
  c('render does not change rows', `${L} | summarize c = count() by k | render barchart`, {
    columns: ['k', 'c'],
  }),
  c('syntax error is reported', `${L} | where`, { error: /expected|Expected|missing|Missing/ }),
  c('unknown column is reported', `${L} | where nope == 1`, { error: /nope/ }),
  c('unsupported plugin names itself', `${L} | evaluate narrow()`, { error: /evaluate narrow/ }),
  c('unsupported function names itself', `print a = series_stats(dynamic([1]))`, { error: /series_stats/ }),
  c(
    'externaldata is refused without an allow-list',
    `externaldata(a:string)["https://example.com/x.csv"] | count`,
    { error: /allow-list/ },
  ),
]

runKnownAnswers('known answers', cases, { sortArrays: true })

test('there are at least 150 known-answer cases', () => {
  assert.ok(cases.length >= 150, `${cases.length} cases`)
})
