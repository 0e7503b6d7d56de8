import { isRecord } from '../../../src/decision/parse.js';
import type { Finding } from '../findings.js';
import { messagesOf, type RawResponse } from './raw-http.js';
import type { Facts } from './render.js';
import { ATTACKERS, type AttackerName } from './callers.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Whose each task the fuzz created is, and the last status seen for it, from the answers themselves. Every
 * later answer is checked against it: a caller sees only tasks it created (or, for the globex supervisor,
 * tasks of its own tenant), a task read by id is that task, and a terminal status stays final.
 */
export class Ledger {
  readonly #owner = new Map<string, AttackerName>();
  readonly #byOwner = new Map<AttackerName, string[]>();
  readonly #status = new Map<string, string>();

  /** The caller's tasks, oldest first. */
  tasksOf(name: AttackerName): readonly string[] {
    return this.#byOwner.get(name) ?? [];
  }

  observe(name: AttackerName, facts: Facts, response: RawResponse): Finding[] {
    const found: Finding[] = [];
    const flag = (kind: string, detail: string): void => void found.push({ kind, where: facts.label, detail });
    const asked = facts.body.kind === 'single' && isRecord(facts.body.value) && isRecord(facts.body.value['params']) ? facts.body.value['params']['taskId'] : undefined;
    for (const message of messagesOf(response)) {
      const result = isRecord(message) && !('method' in message) ? message['result'] : undefined;
      if (!isRecord(result)) continue;
      if (isRecord(result['task']) && typeof result['task']['taskId'] === 'string') {
        const id = result['task']['taskId'];
        const holder = this.#owner.get(id);
        if (holder !== undefined && holder !== name) flag('tools/call handed one caller the task of another', `${name} got ${holder}'s ${id}`);
        else if (holder === undefined) {
          this.#owner.set(id, name);
          this.#byOwner.set(name, [...this.tasksOf(name), id]);
        }
        this.#seen(id, result['task']['status'], flag);
      }
      if (Array.isArray(result['tasks'])) {
        for (const task of result['tasks']) {
          const id = isRecord(task) ? task['taskId'] : undefined;
          if (typeof id !== 'string') continue;
          if (!this.#mayView(name, id)) flag('tasks/list shows a task the caller may not see', `${name} saw ${this.#owner.get(id) ?? 'nobody known'}'s ${id}`);
          this.#seen(id, (task as Record<string, unknown>)['status'], flag);
        }
      }
      if (typeof result['taskId'] === 'string' && typeof result['status'] === 'string') {
        const id = result['taskId'];
        if (typeof asked === 'string' && asked !== id) flag('an answer about one task carries another', `asked ${asked}, got ${id}`);
        if (!this.#mayView(name, id)) flag('a task read by a caller who may not see it', `${name} read ${this.#owner.get(id) ?? 'nobody known'}'s ${id}`);
        this.#seen(id, result['status'], flag);
      }
    }
    return found;
  }

  #mayView(name: AttackerName, id: string): boolean {
    const holder = this.#owner.get(id);
    if (holder === undefined) return false;
    // policies/data.yaml: task-supervisor may get, cancel and list the tasks of its own tenant.
    return holder === name || (name === 'globex-supervisor' && ATTACKERS[holder].tenant === ATTACKERS[name].tenant);
  }

  #seen(id: string, status: unknown, flag: (kind: string, detail: string) => void): void {
    if (typeof status !== 'string') return;
    const before = this.#status.get(id);
    if (before !== undefined && TERMINAL.has(before) && before !== status) flag('a terminal task changed status', `${id}: ${before} then ${status}`);
    this.#status.set(id, status);
  }
}
