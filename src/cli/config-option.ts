import path from 'node:path';
import { loadHostConfig, type HostConfig } from '../config/host-config.js';
import type { OptionHelp } from './help.js';

/**
 * The host config file for commands given no --config. One variable read by serve, token and audit, so a
 * token is minted for (and a log verified of) the host that was started, not for the embedded default.
 */
export const CONFIG_ENV = 'TASKGUARD_CONFIG';

export const configOption = { config: { type: 'string', short: 'c' } } as const;

export function configOptionHelp(what: string, otherwise = ', else the embedded default'): OptionHelp {
  return ['-c, --config FILE', `${what} (default $${CONFIG_ENV}${otherwise})`];
}

export interface ChosenConfigFile {
  file: string;
  /** For messages: `config FILE` or `config FILE (from TASKGUARD_CONFIG)`. */
  described: string;
}

/** The config file named by --config, else by TASKGUARD_CONFIG (empty counts as unset); absolute. */
export function chosenConfigFile(flag: string | undefined): ChosenConfigFile | undefined {
  if (flag !== undefined) return { file: path.resolve(flag), described: `config ${path.resolve(flag)}` };
  const fromEnv = process.env[CONFIG_ENV];
  if (fromEnv === undefined || fromEnv === '') return undefined;
  return { file: path.resolve(fromEnv), described: `config ${path.resolve(fromEnv)} (from ${CONFIG_ENV})` };
}

export interface LoadedCliConfig {
  config: HostConfig;
  /** Which config this is, for the lines a command prints about what it used. */
  described: string;
}

/** Loads the chosen config file, or the embedded default when none is chosen. */
export function loadCliConfig(flag: string | undefined): LoadedCliConfig {
  const chosen = chosenConfigFile(flag);
  if (chosen === undefined) return { config: loadHostConfig(), described: 'the embedded default config' };
  return { config: loadHostConfig(chosen.file), described: chosen.described };
}
