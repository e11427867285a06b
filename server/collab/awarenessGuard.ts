import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** One socket's claim on awareness client ids. `identity` groups sockets of the same principal. */
export interface AwarenessOwner {
  readonly ids: Set<number>;
  readonly identity: string;
}

export class AwarenessRejected extends Error {}

/**
 * Keeps only the entries of an awareness update that the sender may change: the client ids it owns.
 * A socket owns an id when it is the first to announce a state for it (a y-websocket client announces
 * its doc's clientID right after connecting), up to `maxIds`; another socket of the same principal may
 * take an id over (a reconnect whose old socket the server has not noticed is gone yet). Entries for
 * anyone else's ids are dropped silently: y-websocket clients echo the states they receive.
 * Returns the update to apply (the original bytes when nothing was dropped), or undefined if none is left.
 * Throws AwarenessRejected when the update does not decode.
 */
export function filterAwarenessUpdate(
  update: Uint8Array,
  sender: AwarenessOwner,
  owners: Map<number, AwarenessOwner>,
  limits: { maxIds: number; maxStateBytes: number },
): Uint8Array | undefined {
  const kept: { id: number; clock: number; state: string }[] = [];
  let dropped = false;
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const id = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state = decoding.readVarString(decoder);
      if (state.length > limits.maxStateBytes) throw new AwarenessRejected('awareness state too large');
      JSON.parse(state);
      if (mayChange(id, state !== 'null', sender, owners, limits.maxIds)) kept.push({ id, clock, state });
      else dropped = true;
    }
    if (decoding.hasContent(decoder)) throw new AwarenessRejected('trailing bytes after awareness update');
  } catch (err) {
    if (err instanceof AwarenessRejected) throw err;
    throw new AwarenessRejected('awareness update does not decode');
  }
  if (kept.length === 0) return undefined;
  if (!dropped) return update;
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, kept.length);
  for (const { id, clock, state } of kept) {
    encoding.writeVarUint(encoder, id);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, state);
  }
  return encoding.toUint8Array(encoder);
}

function mayChange(id: number, hasState: boolean, sender: AwarenessOwner, owners: Map<number, AwarenessOwner>, maxIds: number): boolean {
  const owner = owners.get(id);
  if (owner === sender) return true;
  // Nobody owns it, so the server holds no state for it: a removal is moot and claims need a state.
  if (!hasState || sender.ids.size >= maxIds) return false;
  if (owner !== undefined && owner.identity !== sender.identity) return false;
  owner?.ids.delete(id);
  owners.set(id, sender);
  sender.ids.add(id);
  return true;
}

/** Forgets a closed socket's ids; returns them so their states can be removed. */
export function releaseAwarenessIds(sender: AwarenessOwner, owners: Map<number, AwarenessOwner>): number[] {
  const ids = [...sender.ids];
  for (const id of ids) if (owners.get(id) === sender) owners.delete(id);
  sender.ids.clear();
  return ids;
}
