import { basename, isAbsolute, relative } from 'node:path';

/**
 * How the user started this bridge, so every hint names a command that exists: the installed
 * bin (`bridgekit-irc`) when that is what ran, else `node <script>` as typed from here
 * (`node bridges/irc/dist/main.js` in a checkout).
 */
export function invocationOf(command: string | undefined, script: string | undefined, cwd: string): string {
  if (!script) return command ?? 'node <bridge main script>';
  // An npm bin is a symlink named after the command, and argv[1] keeps that name.
  if (command && basename(script) === command) return command;
  const fromHere = relative(cwd, script);
  const shown = fromHere !== '' && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : script;
  return `node ${quoteIfNeeded(shown)}`;
}

/** A path as the user would type it in a shell: quoted only when it has to be. */
export function quoteIfNeeded(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
