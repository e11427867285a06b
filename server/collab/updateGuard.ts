import * as Y from 'yjs';
import { YTEXT_NAME } from '../../shared/protocol/yjs.js';

/**
 * What to do with an incoming Yjs update before it touches a shared document:
 * - `apply`: it decodes, edits only `content`, and everything it builds on is known;
 * - `resync`: it builds on content the server does not have yet (a client that got it through another
 *   tab's BroadcastChannel before the other tab's socket delivered it). Applying it would park "pending"
 *   structs in the doc forever if the dependency never comes, so it is dropped and the client is asked
 *   for a fresh sync step 2, which carries the dependency too;
 * - `reject`: it does not decode, or edits something other than the document text (close the socket).
 */
export type UpdateVerdict =
  /** `reach`: per client, the clock this update extends the document to (for updates checked after it). */
  { kind: 'apply'; reach: Map<number, number> } | { kind: 'resync' } | { kind: 'reject'; reason: string };

const RESYNC: UpdateVerdict = { kind: 'resync' };

/**
 * `pending` is what updates accepted but not yet applied (the current batch) add to the document:
 * an update may build on those as if they were applied already.
 */
export function checkUpdate(doc: Y.Doc, update: Uint8Array, pending?: ReadonlyMap<number, number>): UpdateVerdict {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { kind: 'reject', reason: 'update does not decode' };
  }
  const { structs, ds } = decoded;
  // Pass 1: each client's structs must continue where the doc's state for that client ends.
  const reach = new Map<number, number>();
  const reachOf = (client: number): number => reach.get(client) ?? Math.max(pending?.get(client) ?? 0, Y.getState(doc.store, client));
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    const { client, clock } = struct.id;
    const known = reachOf(client);
    if (clock > known) return RESYNC;
    reach.set(client, Math.max(known, clock + struct.length));
  }
  // Pass 2: references (left/right origin, parent) point at known content; only `content` is edited.
  const knows = (id: Y.ID | null): boolean => id === null || id.clock < reachOf(id.client);
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    if (!knows(struct.origin) || !knows(struct.rightOrigin)) return RESYNC;
    const parent: unknown = struct.parent;
    if (typeof parent === 'string') {
      if (parent !== YTEXT_NAME) return { kind: 'reject', reason: `only the "${YTEXT_NAME}" text may be edited` };
    } else if (parent instanceof Y.ID) {
      if (!knows(parent)) return RESYNC;
    }
    if (struct.content instanceof Y.ContentDoc) return { kind: 'reject', reason: 'sub-documents are not supported' };
  }
  for (const [client, ranges] of ds.clients) {
    const known = reachOf(client);
    for (const range of ranges) if (range.clock + range.len > known) return RESYNC;
  }
  return { kind: 'apply', reach };
}
