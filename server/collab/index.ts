import express, { type Router } from 'express';
import { z } from 'zod';
import { CHAT_PAGE, MAX_PEOPLE_FRAME } from '../../shared/protocol/collab.js';
import { workspaceOfRoute } from '../auth/index.js';
import { fileWatcherOf } from '../files/index.js';
import { validate, type WsRoute } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { Db } from '../store/index.js';
import type { WorkspaceService } from '../workspaces/index.js';
import { ChatStore } from './ChatStore.js';
import { DocServer } from './DocServer.js';
import { DocStore } from './DocStore.js';
import { defaultCollabOptions, type CollabOptions } from './options.js';
import { PeopleHub } from './PeopleHub.js';

export { collabMigrations } from './migrations.js';
export { defaultCollabOptions, type CollabOptions } from './options.js';

export const DOCS_SERVICE = 'collab.docs';
export const PEOPLE_SERVICE = 'collab.people';

export interface CollabFeatureDeps {
  db: Db;
  workspaces: WorkspaceService;
  log: Logger;
  options?: Partial<CollabOptions>;
}

const chatQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(CHAT_PAGE).optional(),
});

/**
 * Pair programming: the y-websocket document server (`/yjs/<workspaceId>/<path>`), the people socket
 * (`/ws/workspaces/<id>/people`: presence and chat) and the chat history route.
 */
export function createCollabFeature({ db, workspaces, log, options: overrides }: CollabFeatureDeps) {
  const options: CollabOptions = { ...defaultCollabOptions, ...overrides };
  const store = new DocStore(db);
  const chat = new ChatStore(db);
  const docLog = log.child({ module: 'collab' });

  const docsOf = (workspaceId: string): DocServer => {
    const runtime = workspaces.runtime(workspaceId);
    return runtime.service(
      DOCS_SERVICE,
      () =>
        new DocServer({
          runtime,
          store,
          watcher: () => fileWatcherOf(workspaces, workspaceId, log.child({ module: 'files' })),
          options,
          onActivity: () => workspaces.touch(workspaceId),
          log: docLog,
        }),
    );
  };
  const peopleOf = (workspaceId: string): PeopleHub => {
    const runtime = workspaces.runtime(workspaceId);
    return runtime.service(PEOPLE_SERVICE, () => new PeopleHub(runtime, chat, docLog));
  };

  const documentRoute: WsRoute = {
    pattern: '/yjs/:workspaceId/*path',
    maxPayload: options.maxMessageBytes,
    workspaceExists: workspaces.exists,
    handle: ({ ws, principal, params }) => docsOf(params.workspaceId as string).connect(ws, principal, params.path as string),
  };
  const peopleRoute: WsRoute = {
    pattern: '/ws/workspaces/:workspaceId/people',
    maxPayload: MAX_PEOPLE_FRAME,
    workspaceExists: workspaces.exists,
    handle: ({ ws, principal, params }) => peopleOf(params.workspaceId as string).connect(ws, principal),
  };

  const router: Router = express.Router();
  router.get('/api/workspaces/:id/chat', (req, res) => {
    const id = workspaceOfRoute(req, 'read', workspaces.exists);
    const query = validate(chatQuery, req.query);
    const { messages, more } = chat.page(id, query.limit ?? CHAT_PAGE, query.before);
    res.json({ messages, moreChat: more });
  });

  return {
    routes: [documentRoute, peopleRoute],
    router,
    /** Open documents of a workspace (0 when it holds none), for tests and diagnostics. */
    openDocuments: (workspaceId: string): number =>
      workspaces.peekRuntime(workspaceId)?.peekService<DocServer>(DOCS_SERVICE)?.openDocuments ?? 0,
  };
}
