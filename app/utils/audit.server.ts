/** The audit pages' door to server/audit (route modules import server code only through adapters). */
export {
  auditExportStream,
  auditMessages,
  getAuditEvent,
  listAuditEvents,
  parseAuditQuery,
  runAuditVerification,
} from '../../server/audit';
