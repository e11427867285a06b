import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { AwarenessRejected, filterAwarenessUpdate, releaseAwarenessIds, type AwarenessOwner } from './awarenessGuard.js';

const limits = { maxIds: 2, maxStateBytes: 1000 };
const owner = (identity: string): AwarenessOwner => ({ ids: new Set(), identity });

function update(entries: [id: number, clock: number, state: unknown][]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const [id, clock, state] of entries) {
    encoding.writeVarUint(e, id);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  }
  return encoding.toUint8Array(e);
}

const ids = (u: Uint8Array | undefined): number[] => {
  if (!u) return [];
  const d = decoding.createDecoder(u);
  const out: number[] = [];
  for (let n = decoding.readVarUint(d); n > 0; n--) {
    out.push(decoding.readVarUint(d));
    decoding.readVarUint(d);
    decoding.readVarString(d);
  }
  return out;
};

describe('filterAwarenessUpdate', () => {
  it('lets a socket claim its own client id and keep changing it', () => {
    const owners = new Map<number, AwarenessOwner>();
    const alice = owner('owner');
    const first = update([[11, 1, { user: { name: 'Alice' } }]]);
    expect(filterAwarenessUpdate(first, alice, owners, limits)).toBe(first);
    expect(ids(filterAwarenessUpdate(update([[11, 2, null]]), alice, owners, limits))).toEqual([11]);
  });

  it("drops entries for another principal's ids, keeping the sender's own", () => {
    const owners = new Map<number, AwarenessOwner>();
    const alice = owner('owner');
    const mallory = owner('share-1');
    filterAwarenessUpdate(update([[11, 1, { n: 'a' }]]), alice, owners, limits);
    const mixed = update([
      [11, 99, { n: 'spoof' }],
      [22, 1, { n: 'mallory' }],
    ]);
    expect(ids(filterAwarenessUpdate(mixed, mallory, owners, limits))).toEqual([22]);
    expect(filterAwarenessUpdate(update([[11, 100, null]]), mallory, owners, limits)).toBeUndefined();
    expect(owners.get(11)).toBe(alice);
  });

  it('caps the ids one socket may own, and ignores removals of ids nobody owns', () => {
    const owners = new Map<number, AwarenessOwner>();
    const s = owner('owner');
    const u = update([
      [1, 1, {}],
      [2, 1, {}],
      [3, 1, {}],
    ]);
    expect(ids(filterAwarenessUpdate(u, s, owners, limits))).toEqual([1, 2]);
    expect(filterAwarenessUpdate(update([[4, 1, null]]), owner('owner'), owners, limits)).toBeUndefined();
  });

  it('lets a reconnecting socket of the same principal take its id over; release forgets the ids', () => {
    const owners = new Map<number, AwarenessOwner>();
    const old = owner('share-1');
    const reconnected = owner('share-1');
    filterAwarenessUpdate(update([[5, 1, {}]]), old, owners, limits);
    expect(ids(filterAwarenessUpdate(update([[5, 2, {}]]), reconnected, owners, limits))).toEqual([5]);
    expect(releaseAwarenessIds(old, owners)).toEqual([]);
    expect(releaseAwarenessIds(reconnected, owners)).toEqual([5]);
    expect(owners.size).toBe(0);
  });

  it('rejects updates that do not decode, carry bad JSON or oversized states', () => {
    const owners = new Map<number, AwarenessOwner>();
    const s = owner('owner');
    expect(() => filterAwarenessUpdate(Uint8Array.from([5, 1]), s, owners, limits)).toThrow(AwarenessRejected);
    const badJson = encoding.createEncoder();
    encoding.writeVarUint(badJson, 1);
    encoding.writeVarUint(badJson, 1);
    encoding.writeVarUint(badJson, 1);
    encoding.writeVarString(badJson, '{not json');
    expect(() => filterAwarenessUpdate(encoding.toUint8Array(badJson), s, owners, limits)).toThrow(AwarenessRejected);
    expect(() => filterAwarenessUpdate(update([[1, 1, { big: 'x'.repeat(2000) }]]), s, owners, limits)).toThrow(/too large/);
  });
});
