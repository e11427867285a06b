import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkUpdate } from './updateGuard.js';

function edit(base: Y.Doc | undefined, change: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  if (base) Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const before = Y.encodeStateVector(doc);
  change(doc);
  return Y.encodeStateAsUpdate(doc, before);
}

describe('checkUpdate', () => {
  it('applies an edit of the content text that builds on what the server has', () => {
    const server = new Y.Doc();
    server.getText('content').insert(0, 'hello');
    const update = edit(server, (d) => {
      d.getText('content').insert(5, ' world');
      d.getText('content').delete(0, 1);
    });
    expect(checkUpdate(server, update)).toMatchObject({ kind: 'apply' });
  });

  it('accepts an update that builds on one accepted earlier in the same batch (not applied yet)', () => {
    const server = new Y.Doc();
    const client = new Y.Doc();
    const first = edit(client, (d) => d.getText('content').insert(0, 'abc'));
    Y.applyUpdate(client, first);
    const second = edit(client, (d) => d.getText('content').insert(3, 'def'));
    const verdict = checkUpdate(server, first);
    expect(verdict.kind).toBe('apply');
    const pending = verdict.kind === 'apply' ? verdict.reach : new Map<number, number>();
    expect(checkUpdate(server, second)).toEqual({ kind: 'resync' });
    expect(checkUpdate(server, second, pending)).toMatchObject({ kind: 'apply' });
  });

  it('asks for a resync when the update builds on content the server does not have yet', () => {
    const server = new Y.Doc();
    const other = new Y.Doc();
    other.getText('content').insert(0, 'typed in another tab');
    const dependent = edit(other, (d) => d.getText('content').insert(5, '!'));
    expect(checkUpdate(server, dependent)).toEqual({ kind: 'resync' });
    const deletion = edit(other, (d) => d.getText('content').delete(0, 3));
    expect(checkUpdate(server, deletion)).toEqual({ kind: 'resync' });
  });

  it('rejects bytes that do not decode, edits of other shared types and sub-documents', () => {
    const server = new Y.Doc();
    expect(checkUpdate(server, Uint8Array.from([1, 200, 7, 7]))).toMatchObject({ kind: 'reject' });
    expect(
      checkUpdate(
        server,
        edit(undefined, (d) => d.getMap('settings').set('a', 1)),
      ),
    ).toMatchObject({ kind: 'reject' });
    expect(
      checkUpdate(
        server,
        edit(undefined, (d) => d.getText('other').insert(0, 'x')),
      ),
    ).toMatchObject({ kind: 'reject' });
    // Crafted: the encoding does not say which type `content` is, so an array holding a sub-document passes as it.
    expect(
      checkUpdate(
        server,
        edit(undefined, (d) => d.getArray('content').insert(0, [new Y.Doc()])),
      ),
    ).toEqual({
      kind: 'reject',
      reason: 'sub-documents are not supported',
    });
  });
});
