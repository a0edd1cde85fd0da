export {
  type AuditActor,
  type AuditEventInput,
  type ChainedFields,
  REDACTED,
  canonicalJson,
  chainHash,
  isSecretKey,
  recordAudit,
  redactSecrets,
  systemActor,
} from './record';
export {
  type AuditDirection,
  type AuditEvent,
  type AuditEventPage,
  type AuditEventSummary,
  type AuditFilters,
  type AuditOrder,
  type AuditQuery,
  type ListAuditEventsInput,
  auditOrders,
  defaultPageSize,
  getAuditEvent,
  listAuditEvents,
  maxPageSize,
  parseAuditQuery,
  parseTimeBound,
} from './query';
export { type JsonDiffEntry, diffJson } from './diff';
export {
  type ChainProblem,
  type ChainVerification,
  type VerifyProgress,
  runAuditVerification,
  verifyAuditChain,
} from './verify';
export {
  type AuditExportFormat,
  auditExportFormats,
  auditExportStream,
  csvCell,
  csvColumns,
  exportAuditEvents,
} from './export';
export { auditMessages } from './messages';
