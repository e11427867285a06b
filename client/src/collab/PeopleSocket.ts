import {
  decodePeopleServerMessage,
  encodePeopleMessage,
  type ChatMessage,
  type Peer,
  type PeopleClientMessage,
  type PeopleServerMessage,
} from '../../../shared/protocol/collab.js';

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
  private ws: WebSocket | undefined;
  private retry = 0;
  private closed = false;
  private hello: Extract<PeopleClientMessage, { type: 'hello' }>;
  private presence: Extract<PeopleClientMessage, { type: 'presence' }> | undefined;
  private readonly listeners = new Set<(event: PeopleEvent) => void>();

  constructor(
    private readonly workspaceId: string,
    user: { name: string; color: string },
  ) {
    this.hello = { type: 'hello', name: user.name, color: user.color };
    this.connect();
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
      const peer: Peer = { ...rest, idle: next.idle, ...(next.file ? { file: next.file } : {}), ...(next.file && next.viewport ? { viewport: next.viewport } : {}) };
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
    this.closed = true;
    this.ws?.close();
  }

  private send(message: PeopleClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN || !this.self) return false;
    this.ws.send(encodePeopleMessage(message));
    return true;
  }

  private connect(): void {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws/workspaces/${encodeURIComponent(this.workspaceId)}/people`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      ws.send(encodePeopleMessage(this.hello));
    };
    ws.onmessage = (e) => {
      const message = typeof e.data === 'string' ? decodePeopleServerMessage(e.data) : undefined;
      if (message) this.receive(message);
    };
    ws.onclose = (e) => {
      this.self = undefined;
      this.peers.clear();
      this.emit({ type: 'disconnected', revoked: e.code === 4403 });
      if (this.closed || e.code === 4403) return;
      setTimeout(() => this.connect(), Math.min(10_000, 250 * 2 ** this.retry++));
    };
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
