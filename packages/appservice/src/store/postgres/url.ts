// Apart from open.ts so that naming a database URL in a message does not load the `pg` driver
// (about 50 ms of a start that runs on SQLite).

/** The URL with its password masked, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgresql://(unparseable URL)';
  }
}
