import { describe } from 'node:test';
import type { MakeStore } from './contract-support.js';
import { idempotencyCases } from './contract-idempotency.js';
import { listCases } from './contract-list.js';
import { recordCases } from './contract-records.js';
import { statusCases } from './contract-status.js';

/**
 * The TaskStore contract: what the guard relies on from any store, run unchanged against each of them.
 * `makeStore` must hand out a fresh, empty store on every call; `close` disposes of it.
 */
export function describeTaskStoreContract(name: string, makeStore: MakeStore): void {
  describe(`${name}: TaskStore contract`, () => {
    describe('records', () => recordCases(makeStore));
    describe('list', () => listCases(makeStore));
    describe('status', () => statusCases(makeStore));
    describe('idempotent creation', () => idempotencyCases(makeStore));
  });
}
