/** How a failure reads in the ingest logs: its message, else its name, else the value itself. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
