import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Tokens and secrets never reach a log line: request logging records the
 * method, path and status only (see http/http-app.ts), and fields by these names are redacted
 * should any code log them.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', 'token', 'admissionToken', 'queueToken'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
