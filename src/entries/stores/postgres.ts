// Package entry `taskguard/stores/postgres`: loads pg, so the root entry must not reach this file.
export { PostgresTaskStore, PostgresStoreError, type PostgresStoreOptions } from '../../stores/postgres.js';
