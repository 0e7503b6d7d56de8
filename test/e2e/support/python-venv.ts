// A Python venv with the pinned MCP Python SDK, cached in tools/py-venv (git-ignored, like the OPA binary).
// Built on first use, repaired when the SDK there is missing or at another version, and otherwise only
// checked (one interpreter start), so the second run is fast.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, run, tail } from './host-process.js';

/**
 * PyPI `mcp`, pinned: the newest 1.x, which has ClientSession.experimental.call_tool_as_task (the tasks API
 * the 2.x line no longer has).
 */
export const MCP_PYTHON_VERSION = '1.30.0';
export const VENV_DIR = path.join(REPO_ROOT, 'tools', 'py-venv');
const PYTHON = path.join(VENV_DIR, 'bin', 'python');

/** Prints the installed version and fails unless the tasks API the test uses is there. */
const CHECK = [
  'import importlib.metadata as m',
  'from mcp.client.experimental.tasks import ExperimentalClientFeatures as F',
  'assert callable(getattr(F, "call_tool_as_task", None)), "no call_tool_as_task"',
  'print(m.version("mcp"))',
].join('\n');

/** pip's own words for "could not reach the index": only these turn a failed install into a skip. */
const NETWORK_ERROR = /NewConnectionError|ConnectTimeoutError|ReadTimeoutError|Max retries exceeded|Temporary failure in name resolution|Name or service not known|nodename nor servname|Network is unreachable|No route to host|Connection refused|ProxyError|Could not fetch URL/i;

export type PythonSdk = { python: string; version: string; installed: boolean } | { skip: string };

async function installedVersion(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return undefined;
  const r = await run(PYTHON, ['-c', CHECK], { timeoutMs: 60_000 }).catch(() => undefined);
  return r?.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * The venv's python with mcp==MCP_PYTHON_VERSION, creating or repairing the venv as needed. Resolves to
 * `{ skip }` only when pip clearly could not reach PyPI; any other failure throws.
 */
export async function ensurePythonSdk(): Promise<PythonSdk> {
  if ((await installedVersion()) === MCP_PYTHON_VERSION) return { python: PYTHON, version: MCP_PYTHON_VERSION, installed: false };

  // A venv whose interpreter does not even start (moved, or its base python replaced) is rebuilt.
  const usable = existsSync(PYTHON) && (await run(PYTHON, ['-c', 'import sys'], { timeoutMs: 30_000 }).catch(() => undefined))?.code === 0;
  if (!usable) {
    rmSync(VENV_DIR, { recursive: true, force: true });
    const venv = await run('python3', ['-m', 'venv', VENV_DIR], { timeoutMs: 120_000 });
    if (venv.code !== 0) throw new Error(`python3 -m venv ${VENV_DIR} failed (code ${venv.code}):\n${tail(venv.stderr)}`);
  }

  const pip = await run(PYTHON, [
    '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--retries', '2', '--timeout', '30',
    `mcp==${MCP_PYTHON_VERSION}`,
  ], { timeoutMs: 480_000 });
  if (pip.code !== 0) {
    const output = `${pip.stdout}\n${pip.stderr}`;
    const cause = output.split('\n').find((line) => NETWORK_ERROR.test(line));
    if (cause !== undefined) {
      return { skip: `PyPI is unreachable, cannot install mcp==${MCP_PYTHON_VERSION} (pip: ${cause.trim().slice(0, 300)})` };
    }
    throw new Error(`pip install mcp==${MCP_PYTHON_VERSION} failed (code ${pip.code}):\n${tail(output)}`);
  }
  const version = await installedVersion();
  if (version !== MCP_PYTHON_VERSION) {
    throw new Error(`after pip install, ${VENV_DIR} has mcp ${version ?? '(none, or without call_tool_as_task)'}, expected ${MCP_PYTHON_VERSION}`);
  }
  return { python: PYTHON, version, installed: true };
}
