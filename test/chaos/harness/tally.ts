/**
 * Counting by token: every message a scenario sends carries a unique token (`<run>-<n>`), and
 * what arrived on the other side is matched back to it. Lost, duplicated and out-of-order are
 * then facts, not impressions. Rows go to a results file that the chaos run prints as the
 * README's table.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../e2e/harness/paths';

export interface Tally {
  sent: number;
  arrived: number;
  lost: number;
  duplicated: number;
  /** Tokens that arrived before a token sent earlier (per-room order broken). */
  outOfOrder: number;
  lostTokens: number[];
  duplicatedTokens: number[];
}

/** The highest token among the bodies, or -1 when none has arrived. */
export function highestToken(prefix: string, bodies: readonly string[]): number {
  const tokenIn = tokenReader(prefix);
  return bodies.reduce((highest, body) => Math.max(highest, tokenIn(body) ?? -1), -1);
}

/** Reads the token number of `<prefix>-<n>` out of a message body. */
function tokenReader(prefix: string): (body: string) => number | undefined {
  const pattern = new RegExp(`\\b${prefix}-(\\d+)\\b`);
  return (body) => {
    const m = pattern.exec(body);
    return m ? Number(m[1]) : undefined;
  };
}

/** Matches what arrived (message bodies, any order, other text ignored) to tokens 0..sent-1. */
export function tally(prefix: string, sent: readonly number[], arrivedBodies: readonly string[]): Tally {
  const tokenIn = tokenReader(prefix);
  const seen = new Map<number, number>();
  const order: number[] = [];
  for (const body of arrivedBodies) {
    const n = tokenIn(body);
    if (n === undefined) continue;
    seen.set(n, (seen.get(n) ?? 0) + 1);
    if ((seen.get(n) ?? 0) === 1) order.push(n);
  }
  let outOfOrder = 0;
  let highest = -1;
  for (const n of order) {
    if (n < highest) outOfOrder++;
    highest = Math.max(highest, n);
  }
  const lostTokens = sent.filter((n) => !seen.has(n));
  const duplicated = [...seen.values()].reduce((sum, c) => sum + (c - 1), 0);
  const duplicatedTokens = [...seen.entries()].filter(([, c]) => c > 1).map(([n]) => n);
  return { sent: sent.length, arrived: sent.length - lostTokens.length, lost: lostTokens.length, duplicated, outOfOrder, lostTokens, duplicatedTokens };
}

export const RESULTS_FILE = process.env.CHAOS_RESULTS ?? join(REPO_ROOT, '.e2e', 'chaos-results.jsonl');

/** Records one row of the results table (also printed, so a failing run still shows it). */
export function report(fault: string, t: Pick<Tally, 'sent' | 'arrived' | 'lost' | 'duplicated'> & Partial<Tally>, note = ''): void {
  const which = [
    t.lostTokens?.length ? `lost #${t.lostTokens.slice(0, 5).join(',')}${t.lostTokens.length > 5 ? '…' : ''}` : '',
    t.duplicatedTokens?.length ? `doubled #${t.duplicatedTokens.slice(0, 5).join(',')}` : '',
  ].filter(Boolean).join('; ');
  note = [note, which].filter(Boolean).join('; ');
  const row = { fault, sent: t.sent, arrived: t.arrived, lost: t.lost, duplicated: t.duplicated, outOfOrder: t.outOfOrder ?? 0, note, at: new Date().toISOString() };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(row)}\n`);
  process.stderr.write(`chaos: ${fault}: sent ${row.sent}, arrived ${row.arrived}, lost ${row.lost}, duplicated ${row.duplicated}, out of order ${row.outOfOrder}${note ? ` (${note})` : ''}\n`);
}
