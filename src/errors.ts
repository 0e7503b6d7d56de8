/**
 * The one error type taskguard throws. `code` is stable and meant for programs; `message` is one lowercase
 * line for people and never carries a token, a secret or a stack of another library's internals.
 */
export type TaskguardErrorCode =
  | 'audit_invalid'
  | 'audit_io'
  | 'bundle_invalid'
  | 'bundle_missing'
  | 'bundle_unavailable'
  | 'build_failed'
  | 'config_invalid'
  | 'entrypoint_missing'
  | 'fixture_invalid'
  | 'input_invalid'
  | 'log_rule_invalid'
  | 'opa_unavailable'
  | 'regal_unavailable'
  | 'signature_invalid'
  | 'store_unavailable'
  | 'usage';

export class TaskguardError extends Error {
  readonly code: TaskguardErrorCode;

  constructor(code: TaskguardErrorCode, message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
    this.name = 'TaskguardError';
    this.code = code;
  }
}

export function isTaskguardError(err: unknown): err is TaskguardError {
  return err instanceof TaskguardError;
}

/** Error text from anything thrown, on one line, for decisions' `error` field and CLI output. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return oneLine(err.message);
  return oneLine(String(err));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
