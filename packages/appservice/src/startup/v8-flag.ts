/**
 * Sets one V8 flag for the rest of the process, the way the bridge's V8 settings do (v8-settings.ts):
 * once, and not when the operator's environment variable turns it off.
 */
import { setFlagsFromString } from 'node:v8';

const applied = new Set<string>();

/** Sets `flag` unless `env[optOut.variable] === optOut.value`; true when the flag is set. */
export function setV8FlagOnce(flag: string, env: NodeJS.ProcessEnv, optOut: { variable: string; value: string }): boolean {
  if (applied.has(flag)) return true;
  if (env[optOut.variable] === optOut.value) return false;
  setFlagsFromString(flag);
  applied.add(flag);
  return true;
}
