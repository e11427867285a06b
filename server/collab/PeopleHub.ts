import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  CHAT_PAGE,
  decodePeopleClientMessage,
  encodePeopleMessage,
  type PeopleServerMessage,
  type Peer,
} from '../../shared/protocol/collab.js';
import type { Principal } from '../auth/index.js';
import type { Logger } from '../logger.js';
import type { Disposable, WorkspaceRuntime } from '../workspaces/index.js';
import type { ChatStore } from './ChatStore.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';

/** A chat flood is refused past this many messages per window, per socket. */
const CHAT_BURST = 20;
const CHAT_WINDOW_MS = 10_000;
const MAX_BUFFERED = 4 * 1024 * 1024;

interface Member {
  ws: WebSocket;
  peer: Peer | undefined;
  chatTimes: number[];
  registration: Disposable;
}

/**
 * Presence and chat of one workspace (a runtime service). A socket becomes a peer with its `hello`;
 * everyone hears about joins, moves (file, viewport, idle) and leaves, and the chat.
 */
export class PeopleHub implements Disposable {
  private readonly members = new Set<Member>();

  constructor(
    private readonly runtime: WorkspaceRuntime,
    private readonly chat: ChatStore,
    private readonly log: Logger,
  ) {}

  get peerCount(): number {
    return [...this.members].filter((m) => m.peer).length;
  }

  connect(ws: WebSocket, principal: Principal): void {
    const registration = this.runtime.disposables.add({ dispose: () => ws.close(CloseCode.goingAway, 'workspace stopped') });
    const member: Member = { ws, peer: undefined, chatTimes: [], registration };
    this.members.add(member);
    ws.on('message', (data, isBinary) => this.onFrame(member, principal, isBinary ? undefined : String(data)));
    ws.on('close', () => {
      this.members.delete(member);
      this.runtime.disposables.delete(registration);
      if (member.peer) this.broadcast({ type: 'peer.left', id: member.peer.id });
    });
  }

  dispose(): void {
    for (const member of this.members) member.ws.close(CloseCode.goingAway, 'workspace stopped');
  }

  private onFrame(member: Member, principal: Principal, text: string | undefined): void {
    const message = text === undefined ? undefined : decodePeopleClientMessage(text);
    if (!message) {
      this.send(member, { type: 'error', code: 'bad_message', message: 'expected a JSON people message (docs/protocol.md)' });
      return;
    }
    if (message.type === 'hello') {
      const first = member.peer === undefined;
      member.peer = {
        ...(member.peer ?? { id: randomBytes(6).toString('hex'), idle: false }),
        name: message.name,
        color: message.color,
        role: principal.role,
      };
      if (first) {
        const { messages, more } = this.chat.page(this.runtime.id, CHAT_PAGE);
        const peers = [...this.members].flatMap((m) => (m.peer ? [m.peer] : []));
        this.send(member, { type: 'welcome', self: member.peer.id, peers, chat: messages, moreChat: more });
      }
      this.broadcast({ type: 'peer', peer: member.peer }, first ? member : undefined);
      return;
    }
    const peer = member.peer;
    if (!peer) {
      this.send(member, { type: 'error', code: 'hello_first', message: 'send hello with your name first' });
      return;
    }
    switch (message.type) {
      case 'presence': {
        const { file, viewport, idle } = message;
        const { file: _f, viewport: _v, ...rest } = peer;
        member.peer = { ...rest, idle, ...(file ? { file } : {}), ...(file && viewport ? { viewport } : {}) };
        this.broadcast({ type: 'peer', peer: member.peer }, member);
        return;
      }
      case 'chat': {
        const now = Date.now();
        member.chatTimes = member.chatTimes.filter((t) => now - t < CHAT_WINDOW_MS);
        if (member.chatTimes.length >= CHAT_BURST) {
          this.send(member, { type: 'error', code: 'rate_limited', message: 'too many chat messages; wait a few seconds' });
          return;
        }
        member.chatTimes.push(now);
        const stored = this.chat.add(this.runtime.id, { name: peer.name, color: peer.color, role: peer.role }, message.text);
        this.broadcast({ type: 'chat', message: stored, from: peer.id });
        return;
      }
      case 'chat.history': {
        const { messages, more } = this.chat.page(this.runtime.id, CHAT_PAGE, message.before);
        this.send(member, { type: 'chat.history', messages, moreChat: more });
        return;
      }
    }
  }

  private send(member: Member, message: PeopleServerMessage): void {
    const ws = member.ws;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      this.log.debug('dropping a people socket that does not read');
      ws.terminate();
      return;
    }
    ws.send(encodePeopleMessage(message));
  }

  /** To every peer that said hello (the sender's own echo is skipped when `except` is given). */
  private broadcast(message: PeopleServerMessage, except?: Member): void {
    for (const member of this.members) if (member.peer && member !== except) this.send(member, message);
  }
}
