/**
 * RFC 1413 (Identification Protocol) as the bridge's identd speaks it: a query is
 * `<port on our side> , <port on the asker's side>`; the answer repeats the pair, then either
 * `USERID : UNIX : <user name>` or `ERROR : <error>`. Nothing here touches a socket.
 */

export interface IdentQuery {
  /** Our end of the connection asked about (the bridge's outgoing port). */
  localPort: number;
  /** The asker's end (the IRC server's port, e.g. 6667). */
  remotePort: number;
}

/** The longest query line the server reads: the RFC's own limit is 1000 characters. */
export const MAX_QUERY_BYTES = 1000;

/**
 * The query in one line (without CR LF), undefined when it is not two numbers and a comma;
 * `validPorts` false when a number is not a TCP port (answered INVALID-PORT).
 */
export function parseIdentQuery(line: string): (IdentQuery & { validPorts: boolean }) | undefined {
  const match = /^[ \t]*(\d{1,10})[ \t]*,[ \t]*(\d{1,10})[ \t]*$/.exec(line);
  if (!match) return undefined;
  const localPort = Number(match[1]);
  const remotePort = Number(match[2]);
  return { localPort, remotePort, validPorts: isPort(localPort) && isPort(remotePort) };
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export function userIdReply(query: IdentQuery, username: string): string {
  return `${query.localPort} , ${query.remotePort} : USERID : UNIX : ${username}\r\n`;
}

export type IdentError = 'NO-USER' | 'INVALID-PORT' | 'UNKNOWN-ERROR';

/** An error answer; ports the asker gave are echoed, a line without them gets `0 , 0`. */
export function errorReply(query: IdentQuery | undefined, error: IdentError): string {
  return `${query?.localPort ?? 0} , ${query?.remotePort ?? 0} : ERROR : ${error}\r\n`;
}
