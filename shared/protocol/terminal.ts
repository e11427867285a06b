/**
 * The terminal socket: `ws://HOST/ws/workspaces/<workspaceId>/terminals/<terminalId>` (docs/protocol.md).
 *
 * Output is the hot path, so it travels as raw binary frames (the pty's bytes, unchanged); everything
 * else is a JSON text frame validated here. The client acknowledges output bytes once its terminal has
 * processed them; the server pauses the pty while a client has too much unacknowledged output.
 */
import { z } from 'zod';
import { CloseCode } from './closeCodes.js';

export const TERMINAL_PROTOCOL_VERSION = 1;

/** Size limits: anything outside is a protocol error, so a bad resize can never reach the pty. */
export const MIN_COLS = 2;
export const MAX_COLS = 500;
export const MIN_ROWS = 1;
export const MAX_ROWS = 200;
/** Characters in one input message; clients split bigger pastes. */
export const MAX_INPUT_CHARS = 16 * 1024;
/** Largest client → server text frame, checked before parsing. */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** Clients acknowledge in batches of about this many processed bytes (and when output goes idle). */
export const ACK_BATCH_BYTES = 32 * 1024;
export const MAX_TERMINAL_NAME = 64;

/** WebSocket close codes the client acts on. */
export const TerminalCloseCode = {
  /** The shell exited or the terminal was closed: do not reconnect. */
  ended: CloseCode.normal,
  /** Server or workspace stopping: reconnect later. */
  goingAway: CloseCode.goingAway,
  protocolError: CloseCode.protocolError,
  tooBig: CloseCode.tooBig,
  /** The share has no terminal grant: do not reconnect. */
  forbidden: CloseCode.revoked,
  notFound: CloseCode.notFound,
} as const;

export interface TerminalInfo {
  id: string;
  name: string;
  cols: number;
  rows: number;
  /** Process id of the shell (the leader of the terminal's session). */
  pid: number;
  createdAt: string;
  /**
   * The tab's "keep the workspace awake while this runs" toggle; null when off. `running`: a command
   * runs and holds the workspace up (the toggle turns off once it ends); otherwise it waits at the
   * prompt for the next command. `command`: that command's name; `by`: who turned it on.
   */
  keepAwake: TerminalKeepAwake | null;
}

export interface TerminalKeepAwake {
  running: boolean;
  command?: string;
  by?: string;
}

const cols = z.number().int().min(MIN_COLS).max(MAX_COLS);
const rows = z.number().int().min(MIN_ROWS).max(MAX_ROWS);

export const terminalInfo = z.object({
  id: z.string(),
  name: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  pid: z.number().int(),
  createdAt: z.string(),
  keepAwake: z.object({ running: z.boolean(), command: z.string().optional(), by: z.string().optional() }).nullable(),
});

export const terminalClientMessage = z.discriminatedUnion('type', [
  /** First message on every socket; `cols`/`rows` is the viewer's size (a writer's resizes the pty). */
  z.object({ type: z.literal('hello'), version: z.number().int(), cols: cols.optional(), rows: rows.optional() }).strict(),
  /** Keystrokes and pastes; `binary` input (some mouse reports) carries one byte per character. */
  z.object({ type: z.literal('input'), data: z.string().min(1).max(MAX_INPUT_CHARS), binary: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('resize'), cols, rows }).strict(),
  /** Output bytes processed since the previous ack; never more than were sent. */
  z
    .object({
      type: z.literal('ack'),
      bytes: z
        .number()
        .int()
        .min(1)
        .max(2 ** 31),
    })
    .strict(),
]);
export type TerminalClientMessage = z.infer<typeof terminalClientMessage>;

export const terminalExitReason = z.enum(['exited', 'closed', 'idle', 'stopped']);
export type TerminalExitReason = z.infer<typeof terminalExitReason>;

export const terminalServerMessage = z.discriminatedUnion('type', [
  /**
   * Replace the screen: resize to `cols`×`rows`, reset, then write `data` (serialized screen and
   * scrollback). Sent after `hello`, and again when a client that fell behind is caught up.
   */
  z.object({
    type: z.literal('restore'),
    terminal: terminalInfo,
    readOnly: z.boolean(),
    cols: z.number().int(),
    rows: z.number().int(),
    data: z.string(),
  }),
  /** The pty's size changed; apply it after the output received before this message. */
  z.object({ type: z.literal('resize'), cols: z.number().int(), rows: z.number().int() }),
  /** The terminal is gone; every byte of its output was sent before this message. */
  z.object({
    type: z.literal('exit'),
    reason: terminalExitReason,
    exitCode: z.number().int().optional(),
    signal: z.number().int().optional(),
  }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type TerminalServerMessage = z.infer<typeof terminalServerMessage>;

export type TerminalErrorCode = 'protocol_error' | 'too_big' | 'unsupported_version' | 'not_found' | 'read_only' | 'forbidden';

export const encodeTerminalMessage = (message: TerminalServerMessage | TerminalClientMessage): string => JSON.stringify(message);

export type Decoded<T> = { ok: true; message: T } | { ok: false; error: string };

function decode<T>(schema: z.ZodType<T>, text: string): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'message is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `invalid message${where}: ${issue?.message ?? 'malformed'}` };
}

export const decodeTerminalClientMessage = (text: string): Decoded<TerminalClientMessage> => decode(terminalClientMessage, text);
export const decodeTerminalServerMessage = (text: string): Decoded<TerminalServerMessage> => decode(terminalServerMessage, text);

/** What the page tells about each open terminal (`window.nimbusTerminals.list()`), for tests and debugging. */
export interface TerminalPageState {
  id: string;
  name: string;
  /** The buffer's text, scrollback included. */
  text: string;
  renderer: string;
  readOnly: boolean;
  status: string;
  cols: number;
  rows: number;
  background: string;
  fontSize: number;
}

declare global {
  interface Window {
    /** Read-only view of the open terminals, for tests and debugging from the console. */
    nimbusTerminals?: { list(): TerminalPageState[] };
  }
}
