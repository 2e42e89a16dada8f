import type { Diagnostic, Result } from '../core/result.js'
import type { FieldDef, ODataOperator } from '../schema/catalogue-types.js'
import type { BoundFilter, BoundValue, ComparisonOp, Literal, SyntaxNode } from './ast.js'
import { resolveProperty, type ODataEntityModel } from './entity-model.js'
import { dateLiteral, filterTooComplex } from './filter-parser.js'

type ValueType = 'string' | 'enum' | 'number' | 'datetime' | 'bool'

interface Target {
  column: string
  /** Property name for messages. */
  label: string
  field: FieldDef
  /** Operators allowed on this target. */
  ops: readonly ODataOperator[]
}

const MIRROR: Record<ComparisonOp, ComparisonOp> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
}
const ELEMENT_FIELD: FieldDef = { type: 'string' }
const ELEMENT_OPS: readonly ODataOperator[] = ['eq', 'ne', 'in', 'startswith']

class BindFailure {
  constructor(readonly diagnostic: Diagnostic) {}
}

function fail(code: string, message: string, pos?: number): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw new BindFailure({
    code,
    message,
    severity: 'error',
    ...(pos !== undefined ? { span: { start: pos, length: 1 } } : {}),
  })
}

function valueType(f: FieldDef): ValueType | null {
  switch (f.type) {
    case 'string':
    case 'guid':
      return 'string'
    case 'enum':
      return 'enum'
    case 'int':
    case 'long':
    case 'double':
      return 'number'
    case 'datetime':
      return 'datetime'
    case 'bool':
      return 'bool'
    case 'json':
    case 'string[]':
      return null
  }
}

function literalText(l: Literal): string {
  switch (l.type) {
    case 'string':
      return `'${l.value}'`
    case 'number':
    case 'datetime':
      return l.text
    case 'guid':
      return l.value
    case 'bool':
      return String(l.value)
    case 'null':
      return 'null'
  }
}

class Binder {
  constructor(
    private readonly model: ODataEntityModel,
    private readonly lambdaVar: string | null = null,
  ) {}

  bind(n: SyntaxNode): BoundFilter {
    switch (n.kind) {
      case 'Binary':
        if (n.op === 'and' || n.op === 'or')
          return { kind: n.op === 'and' ? 'And' : 'Or', left: this.bind(n.left), right: this.bind(n.right) }
        return this.#compare(n.op, n.left, n.right, n.pos)
      case 'Not':
        return { kind: 'Not', operand: this.bind(n.operand) }
      case 'In':
        return this.#in(n.left, n.list, n.pos)
      case 'Call':
        return this.#call(n.name, n.args, n.pos)
      case 'Lambda':
        return this.#lambda(n)
      case 'Path': {
        const t = this.#target(n.segments, n.pos)
        if (t.field.type !== 'bool')
          fail(
            'odata-type-mismatch',
            `The property '${t.label}' is not a boolean and cannot be used as a condition.`,
            n.pos,
          )
        this.#requireOp(t, 'eq', n.pos)
        return {
          kind: 'Compare',
          op: 'eq',
          column: t.column,
          valueType: 'bool',
          nullable: Boolean(t.field.nullable),
          value: true,
        }
      }
      case 'Literal':
        return fail('odata-syntax', `A literal (${literalText(n)}) is not a condition.`)
    }
  }

  #target(segments: string[], pos: number): Target {
    if (segments.length > 1)
      fail(
        'odata-unsupported-property',
        `The property path '${segments.join('/')}' is not supported in $filter.`,
        pos,
      )
    const name = segments[0]!
    if (this.lambdaVar !== null && name === this.lambdaVar)
      return { column: '', label: name, field: ELEMENT_FIELD, ops: ELEMENT_OPS }
    const p = resolveProperty(this.model, name)
    if (!p)
      fail(
        'odata-unknown-property',
        `Could not find a property named '${name}' on type '${this.model.name}'.`,
        pos,
      )
    if (!p.field.filter?.length)
      fail(
        'odata-unsupported-property',
        `The property '${p.name}' of ${this.model.name} does not support filtering.`,
        pos,
      )
    return { column: p.name, label: p.name, field: p.field, ops: p.field.filter }
  }

  #requireOp(t: Target, op: ODataOperator, pos: number): void {
    if (!t.ops.includes(op))
      fail(
        'odata-unsupported-operator',
        `The operator '${op}' is not supported for the property '${t.label}' of ${this.model.name} (supported: ${t.ops.join(', ')}).`,
        pos,
      )
  }

  #literal(n: SyntaxNode, pos: number): Literal {
    if (n.kind !== 'Literal')
      fail(
        'odata-unsupported-expression',
        'Only comparisons between a property and a literal value are supported in $filter.',
        n.kind === 'Path' || n.kind === 'Call' || n.kind === 'Binary' ? n.pos : pos,
      )
    return n
  }

  #coerce(t: Target, l: Literal, pos: number): BoundValue {
    const vt = valueType(t.field)
    const mismatch = (): never =>
      fail(
        'odata-type-mismatch',
        `The value ${literalText(l)} does not match the type of the property '${t.label}' (${t.field.type}).`,
        pos,
      )
    switch (vt) {
      case 'string':
        if (l.type === 'string' || l.type === 'guid') return l.value
        if (l.type === 'number') return l.text
        return mismatch()
      case 'enum': {
        if (l.type !== 'string') return mismatch()
        const values = t.field.values ?? []
        const hit = values.find((v) => v.toLowerCase() === l.value.toLowerCase())
        if (hit === undefined)
          fail(
            'odata-invalid-enum',
            `'${l.value}' is not a valid value for the property '${t.label}' (allowed: ${values.join(', ')}).`,
            pos,
          )
        return hit
      }
      case 'number':
        if (l.type === 'number') return l.value
        if (l.type === 'string' && /^-?\d+(\.\d+)?$/.test(l.value)) return Number(l.value)
        return mismatch()
      case 'datetime':
        if (l.type === 'datetime') return l.value
        if (l.type === 'string') {
          const d = dateLiteral(l.value)
          if (d?.type === 'datetime') return d.value
        }
        return mismatch()
      case 'bool':
        if (l.type === 'bool') return l.value
        if (l.type === 'string' && /^(true|false)$/i.test(l.value)) return l.value.toLowerCase() === 'true'
        return mismatch()
      case null:
        return mismatch()
    }
  }

  #compare(op: ComparisonOp, left: SyntaxNode, right: SyntaxNode, pos: number): BoundFilter {
    let path = left
    let lit = right
    if (left.kind === 'Literal' && right.kind === 'Path') {
      path = right
      lit = left
      op = MIRROR[op]
    }
    if (path.kind !== 'Path')
      fail(
        'odata-unsupported-expression',
        'Only comparisons between a property and a literal value are supported in $filter.',
        pos,
      )
    const t = this.#target(path.segments, path.pos)
    this.#requireOp(t, op, pos)
    const l = this.#literal(lit, pos)
    const vt =
      valueType(t.field) ??
      fail('odata-unsupported-property', `The property '${t.label}' cannot be compared.`, pos)
    if (l.type === 'null') {
      if (op !== 'eq' && op !== 'ne')
        fail('odata-type-mismatch', `The operator '${op}' cannot compare with null.`, pos)
      return { kind: 'Compare', op, column: t.column, valueType: vt, nullable: true, value: null }
    }
    return {
      kind: 'Compare',
      op,
      column: t.column,
      valueType: vt,
      nullable: Boolean(t.field.nullable),
      value: this.#coerce(t, l, pos),
    }
  }

  #in(left: SyntaxNode, list: SyntaxNode[], pos: number): BoundFilter {
    if (left.kind !== 'Path')
      fail('odata-unsupported-expression', "The left side of 'in' must be a property.", pos)
    const t = this.#target(left.segments, left.pos)
    this.#requireOp(t, 'in', pos)
    const vt =
      valueType(t.field) ??
      fail('odata-unsupported-property', `The property '${t.label}' cannot be compared.`, pos)
    const values = list.map((n) => {
      const l = this.#literal(n, pos)
      if (l.type === 'null') fail('odata-type-mismatch', "null is not allowed in an 'in' list.", pos)
      return this.#coerce(t, l, pos)
    })
    return { kind: 'In', column: t.column, valueType: vt, values }
  }

  #call(name: string, args: SyntaxNode[], pos: number): BoundFilter {
    const fn = name.toLowerCase()
    if (fn !== 'startswith')
      fail('odata-unsupported-function', `The function '${name}' is not supported in $filter.`, pos)
    if (args.length !== 2) fail('odata-syntax', `startswith() takes 2 arguments, got ${args.length}.`, pos)
    const [p, v] = args as [SyntaxNode, SyntaxNode]
    if (p.kind !== 'Path')
      fail('odata-unsupported-expression', 'The first argument of startswith() must be a property.', pos)
    const t = this.#target(p.segments, p.pos)
    this.#requireOp(t, 'startswith', pos)
    const l = this.#literal(v, pos)
    if (l.type !== 'string')
      fail('odata-type-mismatch', 'The second argument of startswith() must be a string.', pos)
    return { kind: 'StartsWith', column: t.column, value: l.value }
  }

  #lambda(n: Extract<SyntaxNode, { kind: 'Lambda' }>): BoundFilter {
    if (this.lambdaVar !== null)
      fail('odata-too-complex', 'Nested lambda expressions are not supported.', n.pos)
    const p = resolveProperty(this.model, n.collection.join('/'))
    if (!p || n.collection.length > 1)
      fail(
        'odata-unknown-property',
        `Could not find a property named '${n.collection.join('/')}' on type '${this.model.name}'.`,
        n.pos,
      )
    if (p.field.type !== 'string[]' || !p.field.filter?.includes('any'))
      fail('odata-unsupported-operator', `The property '${p.name}' does not support any().`, n.pos)
    if (n.fn !== 'any')
      fail('odata-unsupported-function', `The lambda operator '${n.fn}' is not supported; use any().`, n.pos)
    if (n.variable === null || n.body === null) return { kind: 'Any', column: p.name, predicate: null }
    const inner = new Binder(this.model, n.variable)
    return { kind: 'Any', column: p.name, predicate: inner.bind(n.body) }
  }
}

/** Checks a parsed `$filter` against the entity model. Never throws. */
export function bindFilter(node: SyntaxNode, model: ODataEntityModel): Result<BoundFilter, Diagnostic[]> {
  try {
    return { ok: true, value: new Binder(model).bind(node) }
  } catch (err) {
    if (err instanceof BindFailure) return { ok: false, error: [err.diagnostic] }
    if (err instanceof RangeError) return { ok: false, error: [filterTooComplex()] }
    throw err
  }
}
