/**
 * What a bridge sees of the outbox (durable network → Matrix delivery, outbox.ts): the handler
 * it defines per kind of item, what one attempt is given, and `BridgeContext.outbox` itself.
 * Kept apart from the engine so the contract reads on its own page.
 */

/** What an outbox handler is given for one attempt of one item. */
export interface OutboxDelivery<P> {
  payload: P;
  /**
   * The item's idempotency key, the same on every attempt and after a restart: send the item's
   * Matrix event with it (`intent.sendMessage(room, content, { txnId })`). A handler that sends
   * several events derives one per event, e.g. `${txnId}.2`.
   */
  txnId: string;
  /** 1 for the first attempt; attempts of an earlier run (before a restart) count too. */
  attempt: number;
  /**
   * An earlier attempt may have reached Matrix: one failed, or the item was resumed after a
   * restart. Then send with `{ txnId, checkSentBefore: true }`: a homeserver that restarted
   * meanwhile may have forgotten the transaction ID and would store the event twice.
   */
  resend: boolean;
  roomKey: string;
}

/**
 * Delivers one item to Matrix. Throw to fail the attempt: a retriable error (MatrixError 5xx or
 * 429, NetworkError, a BridgeError with `retriable`) holds the room's later items and retries
 * with backoff; anything else dead-letters the item at once. May run more than once (a crash
 * between the send and the journal's "done"), so everything before the send must be idempotent.
 */
export type OutboxHandler<P> = (delivery: OutboxDelivery<P>) => Promise<void>;

/** How long an outbox kind's items are held through an outage. */
export interface OutboxKindOptions {
  /** How long an item is retried through an outage before it is dead-lettered (default 15 min). */
  maxHoldMs?: number;
}

/** One kind of item, typed: `enqueue` without repeating the kind's name. */
export interface OutboxKind<P> {
  readonly kind: string;
  enqueue(roomKey: string, payload: P): Promise<void>;
}

/** `BridgeContext.outbox`: durable delivery of what a network said, in its room's order. */
export interface BridgeOutbox {
  /**
   * Declares a kind of item and the handler that delivers it. Call it in `start()`: items left
   * from the last run are resumed once `start()` returned, and a kind without handler by then
   * is dead-lettered. Throws for a kind defined twice.
   */
  define<P>(kind: string, handler: OutboxHandler<P>, options?: OutboxKindOptions): OutboxKind<P>;
  /**
   * Journals `payload` (JSON) for delivery in `roomKey`'s turn, after everything queued for that
   * room before this call. Call it synchronously where the network's message is read, so the
   * call order is the network's order. Resolves once the item is journaled (not delivered);
   * awaiting it never waits for the room's turn, so it is safe inside a task of the same room.
   * Throws at once for an unknown kind or a payload JSON cannot represent; rejects when the
   * journal cannot write (the failure is logged and counted too, so the promise may be ignored).
   */
  enqueue(roomKey: string, kind: string, payload: unknown): Promise<void>;
}
