/**
 * Message keys of the errors this context raises: keys of app/i18n/messages/audit.ts, so
 * pages show them in the reader's language (a test checks every key has both texts).
 */
export const auditMessages = {
  filters: 'audit.error.filters',
  time: 'audit.error.time',
  range: 'audit.error.range',
  cursor: 'audit.error.cursor',
  twoCursors: 'audit.error.twoCursors',
  order: 'audit.error.order',
  tooLong: 'audit.error.tooLong',
  notFound: 'audit.error.notFound',
  format: 'audit.error.format',
} as const;
