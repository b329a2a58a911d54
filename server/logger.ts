import pino from 'pino'
import type { Config } from './config'

export type Logger = pino.Logger

/**
 * JSON lines (for log shippers) when output goes to a pipe or file; readable, coloured lines when a
 * person watches a terminal.
 */
export function createLogger(level: Config['logLevel'], pretty = process.stdout.isTTY === true): Logger {
  return pino({
    level,
    base: { service: 'ccscope' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss' } } } : {}),
  })
}
