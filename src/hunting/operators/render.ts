import { operatorBinders } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'

/**
 * `render chart [with (…)]`: does not change rows; the chart type and its properties are returned
 * beside the result so a console can draw it.
 */
operatorBinders.set('RenderOperator', (node, input, cx) => {
  const text = cx.textOf(node)
  const m = /^\s*render\s+([A-Za-z]+)/i.exec(text)
  const properties: Record<string, unknown> = {}
  const withClause = cx.child(node, 'WithClause')
  if (withClause) {
    for (const p of listElements(cx.child(withClause, 'Properties'), cx)) {
      const t = cx.textOf(p)
      const kv = /^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$/s.exec(t)
      if (kv) properties[kv[1]!] = kv[2]!.replace(/^(['"])(.*)\1$/s, '$2')
    }
  }
  cx.render = { visualization: m?.[1] ?? 'table', properties }
  return input
})

/** `serialize` and `as` only mark or name the input; rows are unchanged. */
operatorBinders.set('SerializeOperator', (node, input, cx) => {
  if (listElements(cx.child(node, 'Expressions'), cx).length)
    return unsupported('serialize with computed columns (row_number/prev/next)', cx.span(node))
  return input
})
operatorBinders.set('AsOperator', (_node, input) => input)
