import type { DecisionInput } from '../../src/decision/types.js';
import type { JsonClient } from '../lib/http-json.js';
import { summarize, type LatencySummary } from '../lib/stats.js';

/** The decision document OPA's REST API answers with, or undefined when the rule was undefined. */
export async function opaDecision(client: JsonClient, path: string, input: DecisionInput): Promise<unknown> {
  const answer = await client.post(path, { input });
  return typeof answer === 'object' && answer !== null ? (answer as { result?: unknown }).result : undefined;
}

export async function warmOpa(client: JsonClient, path: string, inputs: readonly DecisionInput[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) await opaDecision(client, path, inputs[i % inputs.length] as DecisionInput);
}

/**
 * Times sequential REST decisions, each from serialising the request to parsing the answer: what a host
 * pays per decision when its PDP is a separate process, with the connection already open.
 */
export async function timeOpa(client: JsonClient, path: string, inputs: readonly DecisionInput[], iterations: number): Promise<LatencySummary> {
  const samples = new Float64Array(iterations);
  const loopStart = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const input = inputs[i % inputs.length] as DecisionInput;
    const t0 = process.hrtime.bigint();
    await opaDecision(client, path, input);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  return summarize(samples, Number(process.hrtime.bigint() - loopStart));
}
