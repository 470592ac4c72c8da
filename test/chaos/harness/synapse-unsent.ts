/**
 * Synapse's own record of appservice transactions it created but never got a 200 for
 * (`application_services_txns`: a row is inserted before the push and deleted once the push
 * succeeded). Its scheduler retries those rows only for an appservice it has marked DOWN (after
 * a failed push); a row left by a Synapse stopped mid-push, while the appservice was UP, is not
 * retried after the restart. Reading it tells "lost by the homeserver" from "lost by the bridge".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readE2eEnv } from '../../e2e/harness/env';

export interface UnsentTransaction {
  txnId: number;
  eventIds: string[];
}

export function synapseUnsentTransactions(): UnsentTransaction[] {
  const path = join(readE2eEnv().runDir, 'homeserver.db');
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], { txn_id: number; event_ids: string }>('SELECT txn_id, event_ids FROM application_services_txns ORDER BY txn_id').all();
    return rows.map((r) => ({ txnId: r.txn_id, eventIds: JSON.parse(r.event_ids) as string[] }));
  } finally {
    db.close();
  }
}
