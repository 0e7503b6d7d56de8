import { isRecord } from '../decision/parse.js';

/**
 * Deep-merges `override` over `base` without touching either: objects merge key by key, arrays and scalars
 * replace, and `null` deletes the key (so a fixture can say "this tool has no step_up").
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else out[key] = deepMerge(base[key], value);
  }
  return out;
}
