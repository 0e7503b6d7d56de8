// Package entry `taskguard/audit/postgres`: pg is loaded when a table is opened, not when this is imported.
export { openPostgresAuditTable, type PostgresAuditTableOptions } from '../../audit/postgres-table.js';
