/**
 * The one error-code registry: the core's codes and every code a connector adds with
 * `defineErrorCodes`. One lookup (`errorCodeInfo`) serves BridgeError's defaults, the docs table
 * and tools; a code is stable once defined (logs, metrics and docs refer to it).
 */
import { ERROR_CODES, type ErrorCodeInfo } from './codes';

const registry = new Map<string, Readonly<ErrorCodeInfo>>(Object.entries(ERROR_CODES));
const CODE_SHAPE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/**
 * Adds a connector's codes to the registry and returns the table unchanged, typed, so its keys
 * become the connector's code union: `type IrcErrorCode = keyof typeof IRC_ERROR_CODES`.
 * Codes are SCREAMING_SNAKE with a prefix of the connector's own (`IRC_`, `SLACK_`); a code that
 * clashes with a different definition, or a core code, is refused at load time.
 */
export function defineErrorCodes<const T extends Record<string, ErrorCodeInfo>>(table: T): T {
  const problems: string[] = [];
  for (const [code, info] of Object.entries(table)) {
    if (!CODE_SHAPE.test(code)) problems.push(`${code}: a code is upper-case words joined by "_", e.g. IRC_BANNED`);
    const known = registry.get(code);
    if (known !== undefined && !sameInfo(known, info)) problems.push(`${code}: already defined ${code in ERROR_CODES ? 'by the core' : 'differently'}; pick another name`);
  }
  if (problems.length > 0) throw new Error(`defineErrorCodes: ${problems.join('; ')}`);
  for (const [code, info] of Object.entries(table)) registry.set(code, Object.freeze({ ...info }));
  return table;
}

/** The registry entry of `code`; throws for a code nobody defined (a typo that slipped past the types). */
export function errorCodeInfo(code: string): Readonly<ErrorCodeInfo> {
  const info = registry.get(code);
  if (info === undefined) throw new Error(`Unknown error code ${JSON.stringify(code)}: define it with defineErrorCodes first`);
  return info;
}

/** Every registered code and its entry, the core's first, then each connector's in definition order. */
export function registeredErrorCodes(): ReadonlyArray<[string, Readonly<ErrorCodeInfo>]> {
  return [...registry.entries()];
}

/** The registry as a Markdown table, so the docs table is generated from the code, never retyped. */
export function errorCodeTable(codes: ReadonlyArray<[string, ErrorCodeInfo]> = registeredErrorCodes()): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = codes.map(
    ([code, i]) => `| \`${code}\` | ${i.httpStatus} | ${i.retriable ? 'yes' : 'no'} | ${i.notifySender ? 'yes' : 'no'} | ${cell(i.summary)} | ${cell(i.userMessage)} |`,
  );
  return ['| code | HTTP | retriable | notify sender | when | the room reads |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function sameInfo(a: ErrorCodeInfo, b: ErrorCodeInfo): boolean {
  return a.httpStatus === b.httpStatus && a.retriable === b.retriable && a.notifySender === b.notifySender
    && a.summary === b.summary && a.userMessage === b.userMessage;
}
