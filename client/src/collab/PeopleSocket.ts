import {
  decodePeopleServerMessage,
  encodePeopleMessage,
  type ChatMessage,
  type Peer,
  type PeopleClientMessage,
  type PeopleServerMessage,
} from '../../../shared/protocol/collab.js';
import { ReconnectingSocket, REVOKED } from '../net/ReconnectingSocket.js';

/** What listeners hear: the server's messages, and the socket dropping (the peer list was cleared). */
export type PeopleEvent = PeopleServerMessage | { type: 'disconnected'; revoked: boolean };

/**
 * The people socket (`/ws/workspaces/<id>/people`): presence and chat. Reconnects with backoff and says
 * hello again with the latest presence, so the others see this person again after a network blip.
 */
export class PeopleSocket {
  readonly peers = new Map<string, Peer>();
  readonly chat: ChatMessage[] = [];
  moreChat = false;
  self: string | undefined;
  private readonly socket: ReconnectingSocket;
  private hello: Extract<PeopleClientMessage, { type: 'hello' }>;
  private presence: Extract<PeopleClientMessage, { type: 'presence' }> | undefined;
  private readonly listeners = new Set<(event: PeopleEvent) => void>();

  constructor(workspaceId: string, user: { name: string; color: string }) {
    this.hello = { type: 'hello', name: user.name, color: user.color };
    this.socket = new ReconnectingSocket(`/ws/workspaces/${encodeURIComponent(workspaceId)}/people`, {
      onOpen: () => this.socket.send(encodePeopleMessage(this.hello)),
      onText: (text) => {
        const message = decodePeopleServerMessage(text);
        if (message) this.receive(message);
      },
      onClose: (code) => {
        this.self = undefined;
        this.peers.clear();
        this.emit({ type: 'disconnected', revoked: code === REVOKED });
      },
    });
  }

  on(listener: (event: PeopleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setUser(user: { name: string; color: string }): void {
    this.hello = { type: 'hello', name: user.name, color: user.color };
    this.send(this.hello);
  }

  setPresence(presence: Omit<Extract<PeopleClientMessage, { type: 'presence' }>, 'type'>): void {
    const next = { type: 'presence' as const, ...presence };
    if (JSON.stringify(next) === JSON.stringify(this.presence)) return;
    this.presence = next;
    this.send(next);
    // The server does not echo presence to its sender: keep our own row current here.
    const own = this.self ? this.peers.get(this.self) : undefined;
    if (own) {
      const { file: _f, viewport: _v, ...rest } = own;
      const peer: Peer = {
        ...rest,
        idle: next.idle,
        ...(next.file ? { file: next.file } : {}),
        ...(next.file && next.viewport ? { viewport: next.viewport } : {}),
      };
      this.peers.set(peer.id, peer);
      this.emit({ type: 'peer', peer });
    }
  }

  sendChat(text: string): boolean {
    return this.send({ type: 'chat', text });
  }

  loadOlderChat(): void {
    const oldest = this.chat[0];
    if (oldest && this.moreChat) this.send({ type: 'chat.history', before: oldest.id });
  }

  close(): void {
    this.socket.close();
  }

  /** Sent only after the server's welcome (`self` is set): before that, hello must go first. */
  private send(message: PeopleClientMessage): boolean {
    return this.self !== undefined && this.socket.send(encodePeopleMessage(message));
  }

  private receive(message: PeopleServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.self = message.self;
        this.peers.clear();
        for (const peer of message.peers) this.peers.set(peer.id, peer);
        this.chat.splice(0, this.chat.length, ...message.chat);
        this.moreChat = message.moreChat;
        if (this.presence) this.send(this.presence);
        break;
      case 'peer':
        this.peers.set(message.peer.id, message.peer);
        break;
      case 'peer.left':
        this.peers.delete(message.id);
        break;
      case 'chat':
        this.chat.push(message.message);
        break;
      case 'chat.history':
        this.chat.unshift(...message.messages);
        this.moreChat = message.moreChat;
        break;
      case 'error':
        console.warn(`people socket: ${message.message}`);
        break;
    }
    this.emit(message);
  }

  private emit(event: PeopleEvent): void {
    for (const l of this.listeners) l(event);
  }
}
