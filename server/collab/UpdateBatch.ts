import type { DocPeer } from './SharedDoc.js';

export interface IncomingUpdate {
  update: Uint8Array;
  from: DocPeer;
  /** A sync step 2 (the client's whole difference on connect, often mostly known here), not an edit. */
  step2: boolean;
}

/**
 * Coalesces the client updates that arrive in one burst. ws emits every frame of a TCP read in the same
 * tick; the first update of a tick is handled at once by `first` (a lone keystroke waits for nothing), and
 * the rest of that tick's updates are applied together in a microtask, in one Yjs transaction, which Yjs
 * emits as one update: one SQLite row and one message per client for the whole burst. (A microtask, not
 * setImmediate: an immediate costs an extra event-loop turn that showed up in the latency tail.)
 * `reach` tells the update guard what the queued ones will add, so an update may build on them.
 */
export class UpdateBatch {
  private items: IncomingUpdate[] = [];
  readonly reach = new Map<number, number>();
  private open = false;

  constructor(
    private readonly first: (item: IncomingUpdate) => void,
    private readonly apply: (items: IncomingUpdate[]) => void,
  ) {}

  add(item: IncomingUpdate, reach: ReadonlyMap<number, number>): void {
    if (!this.open) {
      this.open = true;
      queueMicrotask(() => {
        this.flush();
        this.open = false;
      });
      this.first(item);
      return;
    }
    this.items.push(item);
    for (const [client, clock] of reach) if (clock > (this.reach.get(client) ?? 0)) this.reach.set(client, clock);
  }

  /** Applies the queued updates now (before answering a sync step 1, and on close). */
  flush(): void {
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.reach.clear();
    this.apply(items);
  }
}
