import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '../core/logger.js'
import { errorEnvelope, MdeError } from './errors.js'
import { MDE_CONTENT_TYPE } from './wire.js'

/** Sends an MDE error envelope (`target` = the request id, which is also the correlation id). */
export function sendMdeError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v)
  return reply
    .code(status)
    .header('OData-Version', '4.0')
    .header('content-type', MDE_CONTENT_TYPE)
    .send(JSON.stringify(errorEnvelope(code, message, String(reply.request.id))))
}

function fastifyErrorToMde(err: FastifyError): { status: number; code: string; message: string } | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'InvalidRequestBody', message: `Request body is incorrect: ${err.message}` }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'InvalidRequestBody',
        message: 'Request body is larger than the allowed maximum.',
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'InvalidRequestBody', message: 'Content-Type must be application/json.' }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        code: 'InvalidRequestBody',
        message: 'Request body length does not match Content-Length.',
      }
    default:
      break
  }
  if (err instanceof SyntaxError)
    return { status: 400, code: 'InvalidRequestBody', message: 'Request body is incorrect: malformed JSON.' }
  if (err.validation) return { status: 400, code: 'InvalidRequestBody', message: err.message }
  const status = err.statusCode
  if (status && status >= 400 && status < 500)
    return { status, code: status === 404 ? 'NotFound' : 'BadRequest', message: err.message }
  return null
}

/** Error handler for the MDE API scope: every error leaves as `{"error":{"code","message","target"}}`. */
export function mdeErrorHandler(log: Logger) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof MdeError) return sendMdeError(reply, err.status, err.code, err.message, err.headers)
    const mapped = fastifyErrorToMde(err as FastifyError)
    if (mapped) return sendMdeError(reply, mapped.status, mapped.code, mapped.message)
    log.error({ err, reqId: req.id, url: req.url }, 'unhandled error in MDE API')
    return sendMdeError(
      reply,
      500,
      'InternalServerError',
      `An internal error occurred. Quote the correlation id ${String(req.id)} when reporting it.`,
    )
  }
}

/**
 * Fastify `frameworkErrors` hook (errors raised by the router before any route or plugin is chosen:
 * malformed percent-encoding, over-long path parameters). Under /api they leave in MDE's envelope;
 * elsewhere in fastify's default shape.
 */
export function mdeFrameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
  if (/^\/api(\/|$)/i.test(req.url)) {
    void sendMdeError(reply, status, 'BadRequest', err.message)
    return
  }
  void reply
    .code(status)
    .send({ error: 'Bad Request', code: err.code, message: err.message, statusCode: status })
}
