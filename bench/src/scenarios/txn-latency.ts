/** Matrix → IRC bridge latency from the probes: transaction request start → the puppet's socket write of each message. */
import type { ProbeDump } from '../bridge/probes';
import type { TransactionRecord } from '../fake-hs/pusher';
import { firstStamps } from './paced-irc';

/** One sample per message 1…`messages` that has both stamps; `idOfEvent` maps event IDs to message numbers. */
export function matrixToIrcSamples(probes: ProbeDump, transactions: readonly TransactionRecord[], idOfEvent: ReadonlyMap<string, number>, messages: number): number[] {
  const txnStart = new Map(probes.txnStart);
  const written = firstStamps(probes.ircWrite);
  const txnOf = new Map<number, string>();
  for (const t of transactions) {
    for (const eventId of t.eventIds) {
      const id = idOfEvent.get(eventId);
      if (id !== undefined) txnOf.set(id, t.txnId);
    }
  }
  const samples: number[] = [];
  for (let id = 1; id <= messages; id++) {
    const start = txnStart.get(txnOf.get(id) ?? '');
    const write = written.get(id);
    if (start !== undefined && write !== undefined) samples.push(write - start);
  }
  return samples;
}
