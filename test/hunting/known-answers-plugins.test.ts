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
]

runKnownAnswers('known answers (plugins)', cases, { sortArrays: false })
