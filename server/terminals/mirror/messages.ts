/** Messages between the main thread and the screen-mirror thread (in-process, not a network protocol). */
/**
 * Progress of one mirror, shared between the threads (no message per batch): [0] bytes the thread has
 * parsed so far; [1] when non-zero, the thread posts `written` once [0] reaches it (a paused pty waiting
 * for the mirror to catch up).
 */
export type MirrorProgress = BigInt64Array;
export const PARSED = 0;
export const WAKE_AT = 1;

export type ToMirror =
  | { op: 'open'; id: number; cols: number; rows: number; scrollback: number; progress: MirrorProgress }
  | { op: 'write'; id: number; data: Uint8Array }
  | { op: 'resize'; id: number; cols: number; rows: number }
  | { op: 'snapshot'; id: number; req: number }
  | { op: 'close'; id: number };

export type FromMirror =
  /** The thread has loaded and takes work (sent once, first). */
  | { op: 'ready' }
  | { op: 'written'; id: number }
  | { op: 'snapshot'; id: number; req: number; data: string; cols: number; rows: number }
  | { op: 'closed'; id: number };
