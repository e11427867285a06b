/**
 * Writers for the frames the document server sends, as small pure functions in the style of y-protocols.
 * Reading happens in DocConnection, where each message kind needs its own checks.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { YMessage } from '../../shared/protocol/yjs.js';

/** y-protocols sync sub-types. */
export const SyncStep = { step1: 0, step2: 1, update: 2 } as const;

export function writeSyncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessage.sync);
  encoding.writeVarUint(encoder, SyncStep.step1);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  return encoding.toUint8Array(encoder);
}

/** The answer to a client's step 1: everything the client's state vector says it lacks. */
export function writeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessage.sync);
  encoding.writeVarUint(encoder, SyncStep.step2);
  encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(doc, stateVector));
  return encoding.toUint8Array(encoder);
}

export function writeUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessage.sync);
  encoding.writeVarUint(encoder, SyncStep.update);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function writeAwareness(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessage.awareness);
  encoding.writeVarUint8Array(encoder, awarenessUpdate);
  return encoding.toUint8Array(encoder);
}

/** y-protocols auth "permission denied" (type 0) with a reason; y-websocket clients log it. */
export function writePermissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessage.auth);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}

export function writeSaved(requestId: number, ok: boolean): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessage.save);
  encoding.writeVarUint(encoder, requestId);
  encoding.writeVarUint(encoder, ok ? 0 : 1);
  return encoding.toUint8Array(encoder);
}

/**
 * "The file on disk now holds the document as of this state vector" (request id 0), sent to sockets that
 * asked for it with `[100, 0]`. A client whose own state vector is covered knows it has nothing unsaved.
 */
export function writeInSync(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessage.save);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  return encoding.toUint8Array(encoder);
}
