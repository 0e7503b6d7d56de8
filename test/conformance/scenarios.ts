/**
 * The official runner's server scenarios and what taskguard's reference host does with each: one place.
 * `at` is the protocol version each runs at (a scenario for both generations runs once per version).
 */
export interface InScope {
  scenario: string;
  at: '2025-11-25' | '2026-07-28';
}

/** Run today, against the host's 2025-11-25 leg (initialize, sessions). */
export const LEGACY_SCENARIOS: readonly InScope[] = [
  'server-initialize', 'server-session-lifecycle', 'ping', 'dns-rebinding-protection',
  'tools-list', 'tools-call-simple-text', 'tools-call-image', 'tools-call-audio', 'tools-call-embedded-resource',
  'tools-call-mixed-content', 'tools-call-error', 'tools-call-with-progress', 'tools-call-sampling', 'tools-call-elicitation',
  'elicitation-sep1034-defaults', 'elicitation-sep1330-enums', 'server-sse-multiple-streams',
].map((scenario) => ({ scenario, at: '2025-11-25' as const }));

/** Run against the host's 2026-07-28 leg (server/discover, sessionless), which answers on the same endpoint. */
export const MODERN_SCENARIOS: readonly InScope[] = [
  'tools-list', 'tools-call-simple-text', 'tools-call-image', 'tools-call-audio', 'tools-call-embedded-resource',
  'tools-call-mixed-content', 'tools-call-error', 'tools-call-with-progress', 'dns-rebinding-protection', 'http-header-validation',
  'server-stateless',
  // ignore-extra-params sends answers with no request state: nothing is outstanding then, so they are ignored
  // and the tool asks again, which the runner reports as a warning (its check is a SHOULD), by design.
  'input-required-result-missing-input-response', 'input-required-result-ignore-extra-params', 'input-required-result-validate-input',
  'input-required-result-basic-elicitation', 'input-required-result-basic-sampling', 'input-required-result-basic-list-roots',
  'input-required-result-request-state', 'input-required-result-multiple-input-requests', 'input-required-result-multi-round',
  'input-required-result-result-type', 'input-required-result-tampered-state', 'input-required-result-capability-check',
  'tasks-lifecycle', 'tasks-capability-negotiation', 'tasks-wire-fields', 'tasks-request-state-removal',
  'tasks-request-headers', 'tasks-dispatch-and-envelope', 'tasks-status-notifications', 'tasks-required-task-error',
  'tasks-mrtr-input', 'tasks-mrtr-composition',
].map((scenario) => ({ scenario, at: '2026-07-28' as const }));

/** Not run, and why: the reference host serves tools and tasks only. */
export const OUT_OF_SCOPE: Readonly<Record<string, string>> = {
  'logging-set-level': 'logging is outside a tools-only host (no logging capability)',
  'tools-call-with-logging': 'logging is outside a tools-only host (no logging capability, so no logging/setLevel)',
  'completion-complete': 'completions are outside a tools-only host',
  'resources-list': 'resources are outside a tools-only host',
  'resources-read-text': 'resources are outside a tools-only host',
  'resources-read-binary': 'resources are outside a tools-only host',
  'resources-templates-read': 'resources are outside a tools-only host',
  'resources-subscribe': 'resources are outside a tools-only host',
  'resources-unsubscribe': 'resources are outside a tools-only host',
  'sep-2164-resource-not-found': 'resources are outside a tools-only host',
  'sep-2640-skills-directory': 'skills are resources, outside a tools-only host',
  'sep-2640-skills-enumeration': 'skills are resources, outside a tools-only host',
  'sep-2640-skills-manifest': 'skills are resources, outside a tools-only host',
  'prompts-list': 'prompts are outside a tools-only host',
  'prompts-get-simple': 'prompts are outside a tools-only host',
  'prompts-get-with-args': 'prompts are outside a tools-only host',
  'prompts-get-embedded-resource': 'prompts are outside a tools-only host',
  'prompts-get-with-image': 'prompts are outside a tools-only host',
  'input-required-result-non-tool-request': 'its input-required request is prompts/get, outside a tools-only host',
  'input-required-result-unsupported-methods': 'checks methods of prompts and resources, outside a tools-only host',
  'server-sse-polling': 'needs a test_reconnection tool that closes the SSE stream mid-call, a transport act no guarded tool can do',
  'json-schema-2020-12': 'needs a tool listed with a raw JSON Schema 2020-12 inputSchema ($defs, $schema); guarded tools declare zod shapes',
  'caching': 'checks caching hints on resources and prompts lists, outside a tools-only host',
};
