import { runKnownAnswers, type Case, type Expect } from './harness.js'

/**
 * Known answers for the places where the two SQL engines differ underneath: RE2 (KQL, DuckDB) vs
 * PostgreSQL's AREs, NUL characters, element order of make_set/make_list, key order of bags, boolean
 * min/max. Arrays are compared in order here.
 */
const c = (name: string, q: string, expect: Expect, ordered = false): Case => ({ name, q, expect, ordered })
const NL = `datatable(s:string)["a\\nb", "axb", "A B"]`

const cases: Case[] = [
  // regex dialect
  c('dot does not match a newline', `${NL} | where s matches regex "a.b" | count`, [{ Count: 1 }]),
  c('negated class matches a newline', `${NL} | where s matches regex "a[^y]b" | count`, [{ Count: 2 }]),
  c(
    '(?i) in the middle applies to the rest',
    `print a = "xAbc" matches regex "x(?i)abc", b = "XAbc" matches regex "x(?i)abc"`,
    [{ a: true, b: false }],
  ),
  c(
    '(?i:…) group is scoped',
    `print a = "ABc" matches regex "(?i:ab)c", b = "ABC" matches regex "(?i:ab)c"`,
    [{ a: true, b: false }],
  ),
  c(
    '(?-i) switches case-insensitivity off',
    `print a = "ABc" matches regex "(?i)ab(?-i)c", b = "ABC" matches regex "(?i)ab(?-i)c"`,
    [{ a: true, b: false }],
  ),
  c('\\b is a word boundary', `print a = "a b" matches regex @"\\bb", b = "ab" matches regex @"\\bb"`, [
    { a: true, b: false },
  ]),
  c('\\B is a non-boundary', `print a = "ab" matches regex @"a\\Bb", b = "a b" matches regex @"a\\B b"`, [
    { a: true, b: false },
  ]),
  c(
    'literal dash after a range',
    `print a = "x-y" matches regex "^x[a-z0-9-_]y$", b = "x_y" matches regex "^x[a-z0-9-_]y$"`,
    [{ a: true, b: true }],
  ),
  c(
    '{,n} is literal text in RE2',
    `print a = "a{,2}" matches regex "a{,2}", b = "aa" matches regex "^a{,2}$"`,
    [{ a: true, b: false }],
  ),
  c('hex escapes', `print a = "A" matches regex @"\\x41", b = "A" matches regex @"\\x{41}"`, [
    { a: true, b: true },
  ]),
  c('\\z is the end of text', `print a = "abc" matches regex @"c\\z", b = "abcd" matches regex @"c\\z"`, [
    { a: true, b: false },
  ]),
  c(
    'extract with a leading (?i) flag',
    `print e = extract("(?i)(user|group) (\\\\w+)", 2, "NET USER alice /domain")`,
    [{ e: 'alice' }],
  ),
  c('extract group 0 with a leading flag', `print e = extract("(?i)net user", 0, "NET USER alice")`, [
    { e: 'NET USER' },
  ]),
  c('named groups count as groups', `print e = extract(@"(?P<n>\\d+)-(\\d+)", 2, "ab12-34")`, [{ e: '34' }]),
  c(
    '\\Q…\\E quotes',
    `print a = "a.b*" matches regex @"^\\Qa.b*\\E$", b = "axbb" matches regex @"^\\Qa.b*\\E$"`,
    [{ a: true, b: false }],
  ),
  c(
    'case-insensitive class ranges',
    `print a = "Q" matches regex "(?i)^[a-z]$", b = "q" matches regex "x|(?i:[A-Z])"`,
    [{ a: true, b: true }],
  ),
  c('replace_regex with \\0 (whole match)', `print r = replace_regex("abc", @"b", @"[\\0]")`, [
    { r: 'a[b]c' },
  ]),
  c(
    'replace_regex with groups',
    `print r = replace_regex("2025-01-02", @"(\\d+)-(\\d+)-(\\d+)", @"\\3/\\2/\\1")`,
    [{ r: '02/01/2025' }],
  ),
  c('extract_all without a group', `print r = extract_all(@"\\d+", "a1b22c333")`, [
    { r: ['1', '22', '333'] },
  ]),
  c('extract_all with a group', `print r = extract_all(@"x(\\d)", "x1 y2 x3")`, [{ r: ['1', '3'] }]),
  c('backreferences are refused', `print a = "aa" matches regex @"(a)\\1"`, {
    error: /regular expression|backreference|not supported|failed/i,
  }),
  // NUL characters
  c('base64 of UTF-16 text drops NUL characters', `print s = base64_decode_tostring("SQBFAFgA")`, [
    { s: 'IEX' },
  ]),
  c(
    'replacing NUL is harmless',
    `print s = replace_string(base64_decode_tostring("SQBFAFgA"), '\\u0000', '')`,
    [{ s: 'IEX' }],
  ),
  c('regex \\0 (NUL) never matches text', `print s = replace(@"\\0", "", "abc")`, [{ s: 'abc' }]),
  c('invalid base64 gives an empty string', `print s = base64_decode_tostring("@@@")`, [{ s: '' }]),
  // element order of collected arrays
  c(
    'make_set is sorted ordinally',
    `datatable(k:string)["b", "a", "C", "b", "a"] | summarize s = make_set(k)`,
    [{ s: ['C', 'a', 'b'] }],
  ),
  c('make_set of numbers sorts numerically', `datatable(n:long)[10, 9, 100, 9] | summarize s = make_set(n)`, [
    { s: [9, 10, 100] },
  ]),
  c('make_set with a size limit', `datatable(n:long)[3, 1, 2, 1] | summarize s = make_set(n, 2)`, [
    { s: [1, 2] },
  ]),
  c(
    'make_list keeps the order of sorted rows',
    `datatable(n:long)[3, 1, 2] | sort by n desc | summarize l = make_list(n)`,
    [{ l: [3, 2, 1] }],
  ),
  c(
    'make_list with a size limit',
    `datatable(n:long)[3, 1, 2] | sort by n asc | summarize l = make_list(n, 2)`,
    [{ l: [1, 2] }],
  ),
  c(
    'make_set of datetimes uses KQL datetime text',
    `datatable(t:datetime)[datetime(2025-01-02), datetime(2025-01-01 10:00:00.5)] | summarize s = make_set(t)`,
    [{ s: ['2025-01-01T10:00:00.5000000Z', '2025-01-02T00:00:00Z'] }],
  ),
  c('make_set_if filters', `datatable(n:long)[1, 2, 3, 4] | summarize s = make_set_if(n, n % 2 == 0)`, [
    { s: [2, 4] },
  ]),
  // bags, booleans
  c('bag keys come back in ordinal order', `print d = dynamic({"b": 1, "a": {"z": 1, "y": 2}, "B": 3})`, [
    { d: { B: 3, a: { y: 2, z: 1 }, b: 1 } },
  ]),
  c('bag_pack keys in ordinal order', `print d = bag_pack("zeta", 1, "alpha", 2)`, [
    { d: { alpha: 2, zeta: 1 } },
  ]),
  c('max and min of booleans', `datatable(b:bool)[true, false, false] | summarize mx = max(b), mn = min(b)`, [
    { mx: true, mn: false },
  ]),
  c('maxif of booleans', `datatable(b:bool, n:long)[true, 1, false, 2] | summarize m = maxif(b, n > 1)`, [
    { m: false },
  ]),
]

runKnownAnswers('dialect known answers', cases, { sortArrays: false })
