import { gunzipSync } from 'node:zlib';
import type { Decider } from '../decision/engine.js';
import { isRecord } from '../decision/parse.js';
import type { Decision } from '../decision/types.js';
import { compareDecisions, type Disagreement } from './compare.js';

/** One recorded decision the candidate answered otherwise. */
export interface ReplayDifference {
  kind: Disagreement;
  decisionId: string;
  op: string;
  recorded: Decision;
  candidate: Decision;
  /** JSON pointers the log masked or erased: the candidate saw the input without them. */
  masked: string[];
}

export interface ReplayReport {
  events: number;
  agreed: number;
  differences: ReplayDifference[];
  /** Events replayed although their input was masked (the answer may differ for that reason alone). */
  masked: number;
  /** Lines or events that are not taskguard decision events (no input or result), skipped and counted. */
  skipped: number;
}

/**
 * The events of a recorded decision log, in order: OPA's EventV1 objects one per line (the file and console
 * sinks), JSON arrays of them (what a collector receives), either of those gzip'd.
 */
export function readDecisionEvents(bytes: Buffer): { events: Record<string, unknown>[]; skipped: number } {
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  const events: Record<string, unknown>[] = [];
  let skipped = 0;
  const take = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) take(v);
    else if (isRecord(value)) events.push(value);
    else skipped += 1;
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      take(JSON.parse(trimmed));
      return { events, skipped };
    } catch {
      // Not one array: read it line by line below.
    }
  }
  for (const line of trimmed.split('\n')) {
    if (line.trim() === '') continue;
    try {
      take(JSON.parse(line));
    } catch {
      skipped += 1;
    }
  }
  return { events, skipped };
}

/** Re-decides each recorded input with `candidate` and compares with the recorded result. */
export function replay(candidate: Decider, recorded: readonly Record<string, unknown>[]): ReplayReport {
  const report: ReplayReport = { events: 0, agreed: 0, differences: [], masked: 0, skipped: 0 };
  for (const event of recorded) {
    const input = event['input'];
    const result = event['result'];
    // A shadow disagreement repeats a live decision's input and result: replaying it would count that twice.
    if (!isRecord(input) || !isDecision(result) || decidedBy(event) === 'shadow') {
      report.skipped += 1;
      continue;
    }
    report.events += 1;
    const masked = [...pointers(event['erased']), ...pointers(event['masked'])];
    if (masked.length > 0) report.masked += 1;
    const answer = candidate.decide(input);
    const kind = compareDecisions(result, answer);
    if (kind === undefined) {
      report.agreed += 1;
      continue;
    }
    report.differences.push({
      kind, decisionId: typeof event['decision_id'] === 'string' ? event['decision_id'] : '', op: typeof input['op'] === 'string' ? input['op'] : '',
      recorded: result, candidate: answer, masked,
    });
  }
  return report;
}

function decidedBy(event: Record<string, unknown>): unknown {
  const custom = event['custom'];
  const taskguard = isRecord(custom) ? custom['taskguard'] : undefined;
  return isRecord(taskguard) ? taskguard['decided_by'] : undefined;
}

function isDecision(value: unknown): value is Decision {
  return isRecord(value) && typeof value['allow'] === 'boolean' && Array.isArray(value['reasons']);
}

function pointers(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
