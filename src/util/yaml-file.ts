import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { TaskguardError, type TaskguardErrorCode, describeError } from '../errors.js';

/** Reads a YAML (or JSON, which is YAML) file; `-` reads standard input. Errors name the file. */
export function readYamlFile(file: string, code: TaskguardErrorCode): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new TaskguardError(code, `cannot read ${file}: ${describeError(err)}`, { cause: err });
  }
  try {
    // Unique keys and no aliases beyond the default limit: a fixture or config is data, not a program.
    return parse(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    throw new TaskguardError(code, `${file} is not valid yaml: ${describeError(err)}`, { cause: err });
  }
}
