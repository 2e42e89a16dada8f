import type { Diagnostic } from '../core/result.js'
import type { Span } from './ir/ir.js'

/**
 * Raised inside the compiler when a construct cannot be compiled faithfully; the engine turns it into a
 * `Diagnostic` value (HTTP 400) naming the operator or function and its position. Never escapes the
 * hunting module as an exception.
 */
export class KqlCompileError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly span: Span | undefined,
  ) {
    super(message)
    this.name = 'KqlCompileError'
  }

  toDiagnostic(): Diagnostic {
    return {
      code: this.code,
      message: this.message,
      severity: 'error',
      ...(this.span ? { span: this.span } : {}),
    }
  }
}

export function unsupported(what: string, span: Span | undefined, detail = ''): never {
  throw new KqlCompileError(
    'kql-unsupported',
    `${what} is not supported by this advanced hunting engine${detail ? ` (${detail})` : ''}`,
    span,
  )
}

export function invalid(message: string, span: Span | undefined): never {
  throw new KqlCompileError('kql-invalid', message, span)
}
