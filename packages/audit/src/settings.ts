/**
 * The custom PostgreSQL settings the engine reads. Any session may set them, so none of them grants anything: strict
 * mode only makes the database refuse more, and the rekey hint only tells the capture where to look.
 */
export const AUDIT_SETTINGS = {
  /** `on`: an audited write outside any audit context is refused instead of stored as unattributed. */
  strict: 'auditlog.strict',
  /** The transaction id of a statement whose row triggers saw a primary-key change (a hint to look them up). */
  rekeyTx: 'auditlog.rekey_tx',
  /** The transaction id of a transaction in which a row changed organization (a hint to look for moves). */
  moveTx: 'auditlog.move_tx',
} as const;
