import { operatorBinders, type Binding } from '../bind/bind-context.js'
import { bindFunctionBody, callArguments, isTabular } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import type { IrExpr, IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { ident, list, param, raw, sql } from '../sql/sql-tree.js'
import { scopeFilter } from './scan.js'

type FileProfile = IrTabular & { op: 'file-profile' }
type DeviceFromIp = IrTabular & { op: 'device-from-ip' }

/**
 * `invoke F(args)`: the piped table becomes F's first argument. The portal functions FileProfile and
 * DeviceFromIP are built in; user functions (`let f = (T:(*), …) { … }`) expand in place.
 */
operatorBinders.set('InvokeOperator', (node, input, cx) => {
  const fnCall = cx.child(node, 'Function')!
  const sym = fnCall.ReferencedSymbol
  const span = cx.span(node)
  if (!sym) return unsupported(`invoke ${cx.textOf(fnCall).trim()}`, span)
  const args = callArguments(fnCall, cx)
  const columns = cx.columnsOf(node)
  if (sym.Name === 'FileProfile') return { op: 'file-profile', input, columns, span }
  if (sym.Name === 'DeviceFromIP') {
    const ipArg = args[0] ? cx.scalar(args[0]) : null
    const ipName = ipArg && ipArg.k === 'lit' && typeof ipArg.value === 'string' ? ipArg.value : 'IP'
    const ipCol = input.columns.find((c) => c.name === ipName)
    if (!ipCol) return unsupported(`DeviceFromIP without an input column '${ipName}'`, span)
    const at = args[1] ? cx.scalar(args[1]) : null
    return {
      op: 'device-from-ip',
      input,
      ip: { k: 'col', name: ipCol.name, type: ipCol.type },
      at,
      columns,
      span,
    }
  }
  const b = cx.lookup(sym, sym.Name)
  const expansion = fnCall.GetExpansion()
  if (b?.kind !== 'function' || !expansion) return unsupported(`invoke ${sym.Name}`, span)
  const bindings: [string, Binding][] = b.params.map((p, i) => {
    if (i === 0) return [p, { kind: 'tabular', ir: input }]
    const a = args[i - 1]
    if (!a) return [p, { kind: 'scalar', expr: { k: 'lit', value: null, type: 'dynamic' } as IrExpr }]
    return isTabular(a)
      ? [p, { kind: 'tabular', ir: cx.tabular(a) }]
      : [p, { kind: 'scalar', expr: cx.scalar(a) }]
  })
  return cx.withScope(bindings, () => {
    const body = bindFunctionBody(expansion, cx)
    if (body.kind !== 'tabular') return unsupported(`invoke of the scalar function ${sym.Name}`, span)
    return body.ir
  })
})

/** FileProfile: no file-reputation source is configured, so every profile is reported as Missing. */
registerLowering('file-profile', (n, lx) => {
  const f = n as FileProfile
  const input = lx.tabular(f.input)
  const cols = lx.allocate(f.columns)
  const items = cols.map((c) => {
    const src = input.cols.find((x) => x.name === c.name)
    if (src) return sql`${ident(src.sql)} AS ${ident(c.sql)}`
    if (c.name === 'ProfileAvailability') return sql`${param('Missing', 'string')} AS ${ident(c.sql)}`
    return sql`CAST(NULL AS ${raw(lx.d.types[c.type])}) AS ${ident(c.sql)}`
  })
  return lx.addCte(sql`SELECT ${list(items)} FROM ${input.from}`, cols, false)
})

/** DeviceFromIP: the device whose latest DeviceNetworkInfo report (at or before `at`) lists the IP. */
registerLowering('device-from-ip', (n, lx) => {
  const f = n as DeviceFromIp
  const input = lx.tabular(f.input)
  const cols = lx.allocate(f.columns)
  const cx = lx.scalarCx(lx.scopeOf(input, 't'))
  const ip = lx.expr(f.ip, cx)
  const at = f.at ? sql` AND ni.${ident('Timestamp')} <= ${lx.expr(f.at, cx)}` : raw('')
  const filter = scopeFilter(lx, 'DeviceNetworkInfo', new Set(['DeviceId']))
  const like = sql`'%"IPAddress":"' || ${ip} || '"%'`
  const lookup = sql`(SELECT ni.${ident('DeviceId')} FROM ${ident('DeviceNetworkInfo')} AS ni WHERE ${filter} AND replace(CAST(ni.${ident('IPAddresses')} AS ${raw(lx.d.types.string)}), ' ', '') LIKE ${like}${at} ORDER BY ni.${ident('Timestamp')} DESC LIMIT 1)`
  const items = cols.map((c) => {
    if (c.name === 'DeviceId') return sql`coalesce(${lookup}, '') AS ${ident(c.sql)}`
    const src = input.cols.find((x) => x.name === c.name)
    if (c.name === 'IP' && !src) return sql`${ip} AS ${ident(c.sql)}`
    return sql`${src ? ident(src.sql, 't') : raw('NULL')} AS ${ident(c.sql)}`
  })
  return lx.addCte(sql`SELECT ${list(items)} FROM ${input.from} AS t`, cols, false)
})
