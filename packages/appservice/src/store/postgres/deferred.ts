/**
 * The grouped writes (deferred-writes.ts) on PostgreSQL: journal items marked done, echo-only
 * transaction IDs and message links queued for up to 10 ms, then committed as one statement
 * (one round trip, one WAL flush) instead of one autocommit each. What may wait, and why a crash
 * losing it is harmless, is said in deferred-writes.ts; the rules are the same as on SQLite.
 *
 * The writes are data, not closures, so a group becomes set-based SQL: one UPDATE for every
 * done-mark, one upsert for every transaction ID, one upsert per run of message links, as
 * data-modifying CTEs of one statement (they touch different tables, so their order within it
 * does not matter). Message links keep their call order (`seq`: "the first remote message of
 * an event"), and one statement cannot upsert a row twice, so a second link with the same key,
 * or a switch between links with and without a remote ID (two conflict targets), starts another
 * statement; several statements run in one transaction.
 */
import { createHash } from 'node:crypto';
import type { Pool, QueryConfig } from 'pg';
import { BridgeError } from '../../errors/bridge-error';
import { GroupedWrites, type DeferredWritesOptions } from '../deferred-writes';
import { linkValues } from '../messages';
import type { MessageLinkInput } from '../types';
import { inTransaction } from './sql';

/** A write that may share a later commit. */
export type PostgresDeferredWrite =
  | { kind: 'done'; seq: number; at: number }
  | { kind: 'txn'; txnId: string; fingerprint: string; at: number }
  | { kind: 'link'; entry: MessageLinkInput; at: number };

type Link = Extract<PostgresDeferredWrite, { kind: 'link' }>;

export class PostgresDeferredWrites extends GroupedWrites<PostgresDeferredWrite> {
  constructor(pool: Pool, isOpen: () => boolean, options: DeferredWritesOptions = {}) {
    super((writes) => commitGroup(pool, writes), isOpen, options);
  }
}

interface Statement {
  sql: string;
  params: unknown[];
}

async function commitGroup(pool: Pool, writes: readonly PostgresDeferredWrite[]): Promise<unknown[]> {
  const statements = plan(writes);
  let doneSeqs: Set<number>;
  try {
    doneSeqs = await run(pool, statements);
  } catch (err) {
    // One write's data broke the statement (a constraint, a value the column refuses): each on
    // its own, so only that one fails, as SQLite rolls back the failed statement alone. A lost
    // connection or a server going down fails them all, at once.
    if (writes.length === 1 || !isDataError(err)) throw err;
    const outcomes: unknown[] = [];
    for (const write of writes) outcomes.push(await commitGroup(pool, [write]).then((o) => o[0], (e: unknown) => e));
    return outcomes;
  }
  return writes.map((w) => (w.kind === 'done' && !doneSeqs.has(w.seq)
    ? new BridgeError('STORE_NOT_FOUND', `Queue item ${w.seq} does not exist in the event queue (already pruned?)`, { details: { seq: w.seq } })
    : undefined));
}

/** The seqs the done-marks updated (a seq missing was never issued, or pruned). */
async function run(pool: Pool, statements: Statement[]): Promise<Set<number>> {
  const seqs = new Set<number>();
  const collect = (rows: Array<{ seq: number | null }>) => { for (const r of rows) if (r.seq !== null) seqs.add(Number(r.seq)); };
  if (statements.length === 1) {
    collect((await pool.query<{ seq: number | null }>(prepared(statements[0]!))).rows);
    return seqs;
  }
  await inTransaction(pool, async (c) => {
    for (const s of statements) collect((await c.query<{ seq: number | null }>(prepared(s))).rows);
  });
  return seqs;
}

/**
 * A group's statement prepared once per connection, named by its text: a group has one of a few
 * shapes (which kinds of write it holds), and the server then skips parsing and, once it settles
 * on a generic plan, planning it again for every group.
 */
function prepared(s: Statement): QueryConfig {
  let name = statementNames.get(s.sql);
  if (name === undefined) {
    name = `bridgekit_group_${createHash('sha1').update(s.sql).digest('hex').slice(0, 16)}`;
    statementNames.set(s.sql, name);
  }
  return { name, text: s.sql, values: s.params };
}
const statementNames = new Map<string, string>();

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint): the rows' fault, not the server's. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** The statements for one group: the first holds the done-marks, the transaction IDs and the first run of links. */
function plan(writes: readonly PostgresDeferredWrite[]): Statement[] {
  const done = writes.filter((w): w is Extract<PostgresDeferredWrite, { kind: 'done' }> => w.kind === 'done');
  // The last record of a transaction ID wins, as it would written one after another.
  const txns = [...new Map(writes.flatMap((w) => (w.kind === 'txn' ? [[w.txnId, w] as const] : []))).values()];
  const runs = linkRuns(writes.filter((w): w is Link => w.kind === 'link'));
  const first = new Sql();
  if (done.length > 0) {
    first.cte(`UPDATE event_queue q SET state = 'done', payload = NULL, updated_at = d.at
      FROM unnest(${first.p(done.map((w) => w.seq))}::bigint[], ${first.p(done.map((w) => w.at))}::bigint[]) AS d(seq, at)
      WHERE q.seq = d.seq RETURNING q.seq`, true);
  }
  if (txns.length > 0) {
    first.cte(`INSERT INTO transactions (txn_id, received_at, fingerprint)
      SELECT * FROM unnest(${first.p(txns.map((w) => w.txnId))}::text[], ${first.p(txns.map((w) => w.at))}::bigint[], ${first.p(txns.map((w) => w.fingerprint))}::text[])
      ON CONFLICT (txn_id) DO UPDATE SET received_at = excluded.received_at, fingerprint = excluded.fingerprint`);
  }
  if (runs.length > 0) first.cte(linkUpsert(first, runs[0]!));
  return [first.statement(), ...runs.slice(1).map((links) => {
    const s = new Sql();
    s.cte(linkUpsert(s, links));
    return s.statement();
  })];
}

/** Links in call order, cut where the conflict target changes or a key comes again. */
function linkRuns(links: readonly Link[]): Link[][] {
  const runs: Link[][] = [];
  let keys = new Set<string>();
  let named: boolean | undefined;
  for (const link of links) {
    const isNamed = link.entry.remoteId !== undefined;
    const key = isNamed ? `${link.entry.network}\n${link.entry.remoteId}` : `${link.entry.eventId}\n${link.entry.network}`;
    if (named !== isNamed || keys.has(key)) {
      runs.push([]);
      keys = new Set();
      named = isNamed;
    }
    keys.add(key);
    runs.at(-1)!.push(link);
  }
  return runs;
}

/** One upsert for a run of links, inserted in call order. */
function linkUpsert(s: Sql, links: readonly Link[]): string {
  const rows = links.map((l) => linkValues(l.entry, l.at));
  const column = (i: number, type: string) => `${s.p(rows.map((r) => r[i]))}::${type}[]`;
  const named = links[0]!.entry.remoteId !== undefined;
  return `INSERT INTO message_links (network, remote_id, event_id, room_id, sender, excerpt, created_at)
    SELECT network, remote_id, event_id, room_id, sender, excerpt, created_at
    FROM unnest(${column(0, 'text')}, ${column(1, 'text')}, ${column(2, 'text')}, ${column(3, 'text')}, ${column(4, 'text')}, ${column(5, 'text')}, ${column(6, 'bigint')})
      WITH ORDINALITY AS l(network, remote_id, event_id, room_id, sender, excerpt, created_at, ord)
    ORDER BY ord
    ${named
    ? 'ON CONFLICT (network, remote_id) DO UPDATE SET event_id = excluded.event_id, room_id = excluded.room_id, sender = excluded.sender, excerpt = excluded.excerpt'
    : 'ON CONFLICT (event_id, network) WHERE remote_id IS NULL DO UPDATE SET room_id = excluded.room_id, sender = excluded.sender, excerpt = excluded.excerpt'}`;
}

/** One statement of data-modifying CTEs; its rows are the seqs of the done-mark CTE, if any. */
class Sql {
  readonly params: unknown[] = [];
  private readonly ctes: string[] = [];
  private returning: string | undefined;

  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  cte(sql: string, rowsOut = false): void {
    const name = `w${this.ctes.length}`;
    this.ctes.push(`${name} AS (${sql})`);
    if (rowsOut) this.returning = name;
  }

  statement(): Statement {
    const select = this.returning ? `SELECT seq FROM ${this.returning}` : 'SELECT NULL::bigint AS seq WHERE false';
    return { sql: `WITH ${this.ctes.join(',\n')}\n${select}`, params: this.params };
  }
}
