/**
 * Which store reply the mirror follows. The store's state wins over the mirror unless the mirror can
 * prove it is newer: versions alone cannot tell, because a store restored from an older snapshot
 * (RDB/AOF, a lagging replica), or one that lost the key (FLUSHALL, eviction, expiry), holds a
 * LOWER version than the mirror last saw, and a mirror comparing versions would ignore it for good.
 *
 * The proof is the order of requests and replies: a request sent after the reply the mirror holds
 * was received ran after it in the store, so its reply is newer whatever its version says. Only a
 * reply to a request that was already under way (it may have crossed the mirror's reply) is
 * compared by version, and ignored when older.
 * @module
 */

/** A mark taken when a request is sent, given back with its reply to {@link MirrorOrder.accept}. */
export type ReplyMark = number;

/** A mark that always wins (e.g. the shared state read when leaving the local fallback). */
export const AUTHORITATIVE: ReplyMark = Number.POSITIVE_INFINITY;
/** A mark that never proves anything: the reply is compared by version only. */
export const UNORDERED: ReplyMark = Number.NEGATIVE_INFINITY;

export class MirrorOrder {
  /** Replies received so far. */
  private received = 0;
  /** The `received` index of the reply the mirror holds (-1: none yet). */
  private heldAt = -1;
  /** The version of the reply the mirror holds (-1: none yet). */
  private heldVersion = -1;

  /** Call just before sending a request; pass the mark to {@link accept} with its reply. */
  mark(): ReplyMark {
    return this.received;
  }

  /** The version of the reply the mirror holds (-1 before the first). */
  get version(): number {
    return this.heldVersion;
  }

  /**
   * Records a reply and tells whether the mirror must follow it: when its request was sent after the
   * held reply was received, or when its version is not older than the held one.
   */
  accept(mark: ReplyMark, version: number): boolean {
    const index = this.received++;
    if (mark <= this.heldAt && version < this.heldVersion) return false;
    this.heldAt = index;
    this.heldVersion = version;
    return true;
  }
}
