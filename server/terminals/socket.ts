import type { RawData } from 'ws';
import {
  MAX_CLIENT_MESSAGE_BYTES,
  TERMINAL_PROTOCOL_VERSION,
  TerminalCloseCode,
  decodeTerminalClientMessage,
  encodeTerminalMessage,
  type TerminalErrorCode,
} from '../../shared/protocol/terminal.js';
import { allowsTerminal } from '../auth/index.js';
import type { WsRoute } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { WorkspaceService } from '../workspaces/index.js';
import type { TerminalManager } from './TerminalManager.js';
import type { Viewer } from './Viewer.js';

/** ws's own hard limit; our smaller limit is checked first so the client gets a reason. */
const MAX_PAYLOAD = 1024 * 1024;
/** A socket that does not say hello in time is closed: it would hold a connection for nothing. */
const HELLO_TIMEOUT_MS = 10_000;

const rawLength = (data: RawData): number => (Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength);
const rawText = (data: RawData): string =>
  Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');

export interface TerminalSocketDeps {
  workspaces: WorkspaceService;
  managerOf: (workspaceId: string, wake: boolean) => TerminalManager | undefined;
  log: Logger;
}

/**
 * `/ws/workspaces/:workspaceId/terminals/:terminalId`. The router already checked the principal may
 * read the workspace; writing (input, resize) is checked here per socket. Anything malformed,
 * oversized or out of order gets an `error` message and closes this socket only.
 */
export function terminalSocketRoute({ workspaces, managerOf, log }: TerminalSocketDeps): WsRoute {
  return {
    pattern: '/ws/workspaces/:workspaceId/terminals/:terminalId',
    maxPayload: MAX_PAYLOAD,
    workspaceExists: workspaces.exists,
    handle: ({ ws, principal, params }) => {
      const workspaceId = params.workspaceId as string;
      const session = managerOf(workspaceId, false)?.get(params.terminalId as string);
      let failed = false;
      const fail = (code: TerminalErrorCode, message: string, closeCode: number): void => {
        failed = true;
        if (ws.readyState === ws.OPEN) {
          ws.send(encodeTerminalMessage({ type: 'error', code, message }));
          ws.close(closeCode, code);
        }
      };
      if (!allowsTerminal(principal, workspaceId, 'read')) {
        return fail('forbidden', 'this share link has no access to terminals', TerminalCloseCode.forbidden);
      }
      if (!session) return fail('not_found', 'no such terminal (it exited or was closed)', TerminalCloseCode.notFound);
      const canWrite = allowsTerminal(principal, workspaceId, 'write');
      let viewer: Viewer | undefined;
      const helloTimer = setTimeout(() => fail('protocol_error', 'no hello received', TerminalCloseCode.protocolError), HELLO_TIMEOUT_MS);
      helloTimer.unref();

      const onMessage = (data: RawData, isBinary: boolean): void => {
        if (failed) return; // frames already in flight after a protocol error are ignored
        if (isBinary) return fail('protocol_error', 'clients send JSON text frames only', TerminalCloseCode.protocolError);
        if (rawLength(data) > MAX_CLIENT_MESSAGE_BYTES) {
          return fail('too_big', `messages are limited to ${MAX_CLIENT_MESSAGE_BYTES} bytes`, TerminalCloseCode.tooBig);
        }
        const decoded = decodeTerminalClientMessage(rawText(data));
        if (!decoded.ok) return fail('protocol_error', decoded.error, TerminalCloseCode.protocolError);
        const message = decoded.message;
        if (!viewer) {
          if (message.type !== 'hello') return fail('protocol_error', 'the first message must be hello', TerminalCloseCode.protocolError);
          if (message.version !== TERMINAL_PROTOCOL_VERSION) {
            return fail('unsupported_version', `this server speaks version ${TERMINAL_PROTOCOL_VERSION}`, TerminalCloseCode.protocolError);
          }
          clearTimeout(helloTimer);
          viewer = session.attach(ws, canWrite, message);
          if (!viewer) fail('not_found', 'the terminal has ended', TerminalCloseCode.notFound);
          return;
        }
        switch (message.type) {
          case 'hello':
            return fail('protocol_error', 'hello was already sent', TerminalCloseCode.protocolError);
          case 'input':
            if (!session.input(viewer, message.data, message.binary)) viewer.refuseInput();
            return;
          case 'resize':
            if (!session.resize(viewer, message.cols, message.rows)) viewer.refuseInput();
            return;
          case 'ack':
            if (!session.ack(viewer, message.bytes))
              fail('protocol_error', 'ack for more bytes than were sent', TerminalCloseCode.protocolError);
            return;
        }
      };

      ws.on('message', (data, isBinary) => {
        try {
          onMessage(data, isBinary);
        } catch (err) {
          log.error({ err }, 'terminal socket message failed');
          ws.terminate();
        }
      });
      ws.on('close', () => {
        clearTimeout(helloTimer);
        if (viewer) session.detach(viewer);
      });
      ws.on('error', (err) => log.debug({ err }, 'terminal socket error'));
    },
  };
}
