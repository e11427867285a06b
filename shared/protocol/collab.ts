/**
 * The people socket: `ws://HOST/ws/workspaces/<id>/people`, JSON text frames both ways.
 * Presence (who is connected, which file, where they look, online/idle) and the workspace chat.
 * Every frame is validated with these schemas at the socket boundary (docs/protocol.md, Collaboration).
 */
import { z } from 'zod';

export const MAX_CHAT_TEXT = 4000;
export const CHAT_PAGE = 100;
export const MAX_PEOPLE_FRAME = 16 * 1024;

const color = z.string().regex(/^#[0-9a-fA-F]{6}$/);
const displayName = z.string().trim().min(1).max(40);
const filePath = z.string().min(1).max(4096);
const line = z.number().int().min(1).max(10_000_000);

export const viewport = z.object({ top: line, bottom: line });
export type Viewport = z.infer<typeof viewport>;

export const peer = z.object({
  /** Server-assigned, one per people socket (a person with two tabs shows twice). */
  id: z.string(),
  name: z.string(),
  color,
  role: z.enum(['owner', 'write', 'read']),
  /** Workspace-relative path of the active file, if any. */
  file: z.string().optional(),
  viewport: viewport.optional(),
  idle: z.boolean(),
});
export type Peer = z.infer<typeof peer>;

export const chatMessage = z.object({
  id: z.number().int(),
  author: z.object({ name: z.string(), color, role: z.enum(['owner', 'write', 'read']) }),
  text: z.string(),
  /** ISO time the server stored it. */
  at: z.string(),
});
export type ChatMessage = z.infer<typeof chatMessage>;

export const peopleClientMessage = z.discriminatedUnion('type', [
  /** First frame, and again whenever the name or colour change. */
  z.object({ type: z.literal('hello'), name: displayName, color }),
  z.object({
    type: z.literal('presence'),
    file: filePath.nullable(),
    viewport: viewport.nullable(),
    idle: z.boolean(),
  }),
  z.object({ type: z.literal('chat'), text: z.string().trim().min(1).max(MAX_CHAT_TEXT) }),
  /** Older chat messages than the id given (scrolling back). */
  z.object({ type: z.literal('chat.history'), before: z.number().int().positive() }),
]);
export type PeopleClientMessage = z.infer<typeof peopleClientMessage>;

export const peopleServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    self: z.string(),
    peers: z.array(peer),
    chat: z.array(chatMessage),
    moreChat: z.boolean(),
  }),
  /** A person joined or changed (file, viewport, idle, name). */
  z.object({ type: z.literal('peer'), peer }),
  z.object({ type: z.literal('peer.left'), id: z.string() }),
  /** `from` is the sending socket's peer id (so a client knows its own echo). */
  z.object({ type: z.literal('chat'), message: chatMessage, from: z.string() }),
  z.object({ type: z.literal('chat.history'), messages: z.array(chatMessage), moreChat: z.boolean() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type PeopleServerMessage = z.infer<typeof peopleServerMessage>;

function decodeWith<T>(schema: z.ZodType<T>, text: string, maxLength = Infinity): T | undefined {
  if (text.length > maxLength) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const decodePeopleClientMessage = (text: string): PeopleClientMessage | undefined =>
  decodeWith(peopleClientMessage, text, MAX_PEOPLE_FRAME);
export const decodePeopleServerMessage = (text: string): PeopleServerMessage | undefined => decodeWith(peopleServerMessage, text);
export const encodePeopleMessage = (message: PeopleClientMessage | PeopleServerMessage): string => JSON.stringify(message);
