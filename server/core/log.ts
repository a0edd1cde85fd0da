import pino from 'pino';
import { singleton } from './singleton';

/**
 * The process logger: JSON lines on stdout. Never log prompts, personal identifiers or
 * secrets; the redact list is a second line of defence, not the first.
 */
export const log = singleton('logger', () =>
  pino({
    // The level is set from the validated config at start (server/http/main.ts).
    level: 'info',
    base: { service: 'leitstand' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  }),
);
