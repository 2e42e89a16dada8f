import { KqlCompileError } from '../diagnostics.js'
import type { IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'

type Ref = IrTabular & { op: 'ref' }

/** A reference to a tabular `let` / `materialize`, lowered once as a CTE and reused. */
registerLowering('ref', (n, lx) => {
  const r = n as Ref
  const st = lx.letStages.get(r.id)
  if (!st) throw new KqlCompileError('kql-internal', `let #${r.id} referenced before it was lowered`, r.span)
  return st
})
