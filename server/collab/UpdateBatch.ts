import type { DocPeer } from './SharedDoc.js';

export interface IncomingUpdate {
  update: Uint8Array;
  from: DocPeer;
}

/**
 * Coalesces client updates per event-loop turn. The first update of a turn is applied at once (a lone
 * keystroke waits for nothing); any more that arrive in the same turn (a burst read in one go) are
 * applied together at its end (setImmediate) in one Yjs transaction, which Yjs emits as one update:
 * one SQLite row and one message per client for the whole burst. `reach` tells the update guard what
 * the pending ones will add, so an update may build on an earlier one of the same batch.
 */
export class UpdateBatch {
  private items: IncomingUpdate[] = [];
  readonly reach = new Map<number, number>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly apply: (items: IncomingUpdate[]) => void) {}

  add(item: IncomingUpdate, reach: ReadonlyMap<number, number>): void {
    this.items.push(item);
    for (const [client, clock] of reach) if (clock > (this.reach.get(client) ?? 0)) this.reach.set(client, clock);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Applies now (before answering a sync step 1, and on close), so nobody reads a document missing them. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.reach.clear();
    this.apply(items);
  }
}
