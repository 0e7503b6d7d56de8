// Package entry `taskguard/audit/sqlite`: loads better-sqlite3, so it is apart from `taskguard/audit/database`.
export { openSqliteAuditTable, type SqliteAuditTableOptions } from '../../audit/sqlite-table.js';
