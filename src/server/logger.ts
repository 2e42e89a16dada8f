import { pino } from 'pino'
import type { Logger } from '../core/logger.js'
import type { Config } from './config.js'

/** JSON logs to stdout (pino); the request/correlation id is bound per request by fastify. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger & pino.Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'bulwark' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.client_secret',
        '*.password',
        '*.clientSecret',
      ],
      censor: '<redacted>',
    },
  })
}
