// Package entry `taskguard/stores/sqlite`: loads better-sqlite3, so the root entry must not reach this file.
export { SqliteTaskStore, type SqliteStoreOptions } from '../../stores/sqlite.js';
