/** Messages between the main thread and the screen-mirror thread (in-process, not a network protocol). */
export type ToMirror =
  | { op: 'open'; id: number; cols: number; rows: number; scrollback: number }
  | { op: 'write'; id: number; data: Uint8Array }
  | { op: 'resize'; id: number; cols: number; rows: number }
  | { op: 'snapshot'; id: number; req: number }
  | { op: 'close'; id: number };

export type FromMirror =
  | { op: 'written'; id: number; bytes: number }
  | { op: 'snapshot'; id: number; req: number; data: string; cols: number; rows: number }
  | { op: 'closed'; id: number };
