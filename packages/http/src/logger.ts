import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino censors before a line is written. Bearer tokens, secrets and cookies must never reach a log, whichever
 * shape the logged object has (a request, its headers alone, or a config object).
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'secret',
  'password',
  '*.token',
  '*.secret',
  '*.password',
];

/**
 * `destination` is for tests (capture the lines); services log JSON to stdout, one object a line, and pretty-print
 * (pino-pretty) only when stdout is a terminal a person reads.
 */
export const createLogger = (
  name: string,
  level: LevelWithSilent = 'info',
  destination?: DestinationStream,
): Logger => {
  const options = { name, level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
  if (destination !== undefined) return pino(options, destination);
  if (process.stdout.isTTY) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(options);
};
