import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDecider } from '../decision/engine.js';
import { TaskguardError, describeError } from '../errors.js';
import { readDecisionEvents, replay, type ReplayDifference } from '../shadow/replay.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';
import { loadPolicyOptions, policyOptionHelp, policyOptions } from './policy-options.js';

export const replayUsage = 'taskguard replay [--policy BUNDLE_DIR] [--data FILE] [--json] LOG...';

export const replayHelp: CommandHelp = {
  usage: replayUsage,
  summary: 'run a candidate policy over recorded decision logs and print where it answers otherwise',
  options: [
    ...policyOptionHelp,
    ['--json', 'print the report as one JSON document'],
    ['LOG...', 'decision log files: OPA EventV1 JSON lines or arrays, optionally gzip\'d'],
  ],
};

/**
 * Re-decides every recorded input with the candidate (`--policy`, `--data`) and prints each difference
 * (`outcome`: allow flipped; `detail`: same outcome, other reasons, step-up, TTL...), then a summary. Exit
 * code as diff's: 0 no differences, 1 differences, 2 usage.
 */
export function replayCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args, options: { ...policyOptions, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length === 0) throw new TaskguardError('usage', `name at least one decision log: ${replayUsage}`);
  const { bundle, data } = loadPolicyOptions(values);
  const candidate = createDecider(bundle, { data });
  let skippedLines = 0;
  const events = positionals.flatMap((file) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new TaskguardError('input_invalid', `cannot read ${file}: ${describeError(err)}`, { cause: err });
    }
    const read = readDecisionEvents(bytes);
    skippedLines += read.skipped;
    return read.events;
  });
  const report = replay(candidate, events);
  report.skipped += skippedLines;
  if (values.json) {
    io.out(JSON.stringify({ candidate: { policy_revision: candidate.revision, data_revision: candidate.dataRevision }, ...report }, null, 2));
  } else {
    for (const d of report.differences) io.out(differenceLine(d));
    const outcome = report.differences.filter((d) => d.kind === 'outcome').length;
    io.out(`${report.events} decisions replayed: ${report.agreed} agree, ${report.differences.length} differ (${outcome} outcome, ${report.differences.length - outcome} detail)`
      + `${report.masked ? `; ${report.masked} had masked input` : ''}${report.skipped ? `; ${report.skipped} skipped (not decision events)` : ''}`);
  }
  return report.differences.length > 0 ? 1 : 0;
}

function differenceLine(d: ReplayDifference): string {
  const answer = (x: { allow: boolean; reasons: readonly string[] }): string => `${x.allow ? 'allow' : 'deny'}${x.reasons.length ? ` [${x.reasons.join(', ')}]` : ''}`;
  return `${d.kind} ${d.decisionId} ${d.op}: recorded ${answer(d.recorded)}, candidate ${answer(d.candidate)}${d.masked.length ? ` (masked: ${d.masked.join(', ')})` : ''}`;
}
