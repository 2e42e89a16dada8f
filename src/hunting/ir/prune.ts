import type { IrExpr, IrNamed, IrQuery, IrTabular } from './ir.js'

/**
 * Column pruning on the IR: each table scan reads only the columns some later operator uses, and
 * `project`/`extend` and `join` compute only the columns used after them. A hunting table has up to
 * ~70 columns and every CTE of the generated SQL lists its columns, so a query that ends in a few columns
 * (`summarize … by DeviceName`, `project A, B`) otherwise makes the database bind and plan every column in
 * every stage — most of the fixed cost of a short query (DuckDB re-plans a prepared statement on each run).
 *
 * The analysis walks from the result down with the set of column names the consumer needs (`null` =
 * every column: the result, and the input of any operator not handled here — including take, sort and
 * top, whose stable-mode tie-breaking reads every input column). Only operators whose
 * lowering reads the input columns by name (from their own expressions) are rewritten; every other
 * operator keeps its whole input, and its subtree is returned unchanged (same objects, so discoveries
 * and let references keep their identity). Rewritten nodes are copies; the bound IR is not modified.
 */
export function pruneColumns(q: IrQuery): IrQuery {
  const result = prune(q.result, null)
  return result === q.result ? q : { ...q, result }
}

type Needed = ReadonlySet<string> | null

function prune(t: IrTabular, needed: Needed): IrTabular {
  switch (t.op) {
    case 'scan': {
      if (needed === null) return t
      const kept = keepSome(t.columns, (c) => needed.has(c.name))
      return kept.length === t.columns.length ? t : { ...t, columns: kept }
    }
    case 'where': {
      const input = prune(t.input, union(needed, exprColumns([t.predicate])))
      return input === t.input ? t : { ...t, input, columns: input.columns }
    }
    // take, sort and top keep their whole input: in stable mode (deterministic tests) they break ties
    // between rows by every input column, so reading fewer columns could pick other rows (KQL leaves the
    // choice open, but the engines' answers must stay comparable). Below their input it goes on.
    case 'take':
    case 'sort':
    case 'top': {
      const input = prune(t.input, null)
      return input === t.input ? t : { ...t, input }
    }
    case 'render': {
      const input = prune(t.input, needed)
      return input === t.input ? t : { ...t, input, columns: input.columns }
    }
    case 'project': {
      // Items nobody reads are dropped (their expressions have no effects); at least one stays.
      const keep = keepSome(
        t.items.map((item, i) => ({ item, col: t.columns[i]! })),
        (x) => needed === null || needed.has(x.item.name),
      )
      const input = prune(t.input, exprColumns(keep.map((x) => x.item.expr)))
      if (input === t.input && keep.length === t.items.length) return t
      return { ...t, input, items: keep.map((x) => x.item), columns: keep.map((x) => x.col) }
    }
    case 'summarize': {
      const exprs: IrExpr[] = t.by.map((b) => b.expr)
      for (const a of t.aggs) exprs.push(...a.args, ...(a.extra ?? []))
      const input = prune(t.input, exprColumns(exprs))
      return input === t.input ? t : { ...t, input }
    }
    case 'distinct': {
      const input = prune(t.input, exprColumns(t.items.map((i: IrNamed) => i.expr)))
      return input === t.input ? t : { ...t, input }
    }
    case 'count': {
      const input = prune(t.input, new Set<string>())
      return input === t.input ? t : { ...t, input }
    }
    case 'join': {
      // Outputs nobody reads are dropped. `innerunique` keeps one left row per key, chosen by all of
      // the left columns in stable mode: its left side stays whole so the same row is chosen.
      const keep = keepSome(
        t.outputs.map((o, i) => ({ o, col: t.columns[i]! })),
        (x) => needed === null || needed.has(x.o.name),
      )
      const side = (s: 'left' | 'right', on: IrExpr[]): Needed =>
        union(new Set(keep.filter((x) => x.o.side === s).map((x) => x.o.from)), exprColumns(on))
      const left = prune(
        t.left,
        t.kind === 'innerunique'
          ? null
          : side(
              'left',
              t.on.map((p) => p.left),
            ),
      )
      const right = prune(
        t.right,
        side(
          'right',
          t.on.map((p) => p.right),
        ),
      )
      if (left === t.left && right === t.right && keep.length === t.outputs.length) return t
      return { ...t, left, right, outputs: keep.map((x) => x.o), columns: keep.map((x) => x.col) }
    }
    // Operators whose lowering reads input columns not named in their own expressions, or several
    // inputs: unchanged, with their whole subtrees.
    case 'union':
    case 'mv-expand':
    case 'datatable':
    case 'ref':
    case 'externaldata':
    case 'serialize':
    case 'file-profile':
    case 'device-from-ip':
    case 'mv-apply':
    case 'apply-input':
    case 'ipv4-lookup':
    case 'make-series':
    case 'top-nested':
    case 'discover':
      return t
  }
  // Operators outside the IR union (print's row source): unchanged.
  return t
}

/** The elements `keep` accepts, or the first one when it accepts none (a SELECT needs a column). */
function keepSome<T>(xs: readonly T[], keep: (x: T) => boolean): T[] {
  const kept = xs.filter(keep)
  return kept.length || !xs.length ? kept : [xs[0]!]
}

function union(a: Needed, b: Needed): Needed {
  if (a === null || b === null) return null
  const out = new Set(a)
  for (const x of b) out.add(x)
  return out
}

/**
 * Names of the input columns the expressions read, or null for every column (a `*` argument). Includes
 * the columns functions read by name (`column_ifexists('X', …)`, `ingestion_time()` → Timestamp); not
 * those inside sub-queries (they read their own inputs).
 */
export function exprColumns(exprs: readonly IrExpr[]): Set<string> | null {
  const out = new Set<string>()
  let all = false
  const visit = (e: IrExpr) => {
    if (e.k === 'col') out.add(e.name)
    else if (e.k === 'call') {
      if (e.fn === 'ingestion_time') out.add('Timestamp')
      const first = e.args[0]
      if (e.fn === 'column_ifexists' && first?.k === 'lit' && typeof first.value === 'string')
        out.add(first.value)
      for (const a of e.args) {
        if (a.k === 'lit' && a.value === '*' && a.type === 'string') all = true
        visit(a)
      }
    }
  }
  exprs.forEach(visit)
  return all ? null : out
}
