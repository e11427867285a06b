/**
 * Writers for the frames the document server sends: y-protocols' own writers behind the message type,
 * plus Nimbus's save messages.
 * Reading happens in DocConnection, where each message kind needs its own checks.
 */
import * as encoding from 'lib0/encoding';
import * as auth from 'y-protocols/auth';
import * as sync from 'y-protocols/sync';
import * as Y from 'yjs';
import { YMessage } from '../../shared/protocol/yjs.js';

/** y-protocols sync sub-types (its own constants). */
export const SyncStep = { step1: sync.messageYjsSyncStep1, step2: sync.messageYjsSyncStep2, update: sync.messageYjsUpdate } as const;

/** A frame: the message type, then what y-protocols' writer puts after it. */
function frame(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

export function writeSyncStep1(doc: Y.Doc): Uint8Array {
  return frame(YMessage.sync, (e) => sync.writeSyncStep1(e, doc));
}

/** The answer to a client's step 1: everything the client's state vector says it lacks. */
export function writeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  return frame(YMessage.sync, (e) => sync.writeSyncStep2(e, doc, stateVector));
}

export function writeUpdate(update: Uint8Array): Uint8Array {
  return frame(YMessage.sync, (e) => sync.writeUpdate(e, update));
}

export function writeAwareness(awarenessUpdate: Uint8Array): Uint8Array {
  return frame(YMessage.awareness, (e) => encoding.writeVarUint8Array(e, awarenessUpdate));
}

/** y-protocols auth "permission denied" with a reason; y-websocket clients log it. */
export function writePermissionDenied(reason: string): Uint8Array {
  return frame(YMessage.auth, (e) => auth.writePermissionDenied(e, reason));
}

export function writeSaved(requestId: number, ok: boolean): Uint8Array {
  return frame(YMessage.save, (e) => {
    encoding.writeVarUint(e, requestId);
    encoding.writeVarUint(e, ok ? 0 : 1);
  });
}

/**
 * "The file on disk now holds the document as of this state vector" (request id 0), sent to sockets that
 * asked for it with `[100, 0]`. A client whose own state vector is covered knows it has nothing unsaved.
 */
export function writeInSync(doc: Y.Doc): Uint8Array {
  return frame(YMessage.save, (e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  });
}
