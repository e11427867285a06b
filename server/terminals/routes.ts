import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { MAX_COLS, MAX_ROWS, MAX_TERMINAL_NAME, MIN_COLS, MIN_ROWS } from '../../shared/protocol/terminal.js';
import { requireTerminalAccess, workspaceOfRoute } from '../auth/index.js';
import { HttpError, validate } from '../http/index.js';
import type { WorkspaceService } from '../workspaces/index.js';
import type { TerminalManager } from './TerminalManager.js';

const name = z.string().trim().min(1).max(MAX_TERMINAL_NAME);
const createBody = z
  .object({
    name: name.optional(),
    cols: z.number().int().min(MIN_COLS).max(MAX_COLS).optional(),
    rows: z.number().int().min(MIN_ROWS).max(MAX_ROWS).optional(),
  })
  .strict();
/** `by`: the display name of whoever changes the keep-awake toggle, shown to collaborators. */
const patchBody = z
  .object({ name: name.optional(), keepAwake: z.boolean().optional(), by: z.string().trim().min(1).max(100).optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.keepAwake !== undefined, 'give name or keepAwake');

export interface TerminalRoutesDeps {
  workspaces: WorkspaceService;
  /** The workspace's terminals; `wake` starts the workspace if it is hibernated. */
  managerOf: (workspaceId: string, wake: boolean) => TerminalManager | undefined;
}

/** `GET|POST /api/workspaces/:id/terminals`, `PATCH|DELETE /api/workspaces/:id/terminals/:terminalId`. */
export function terminalRoutes({ workspaces, managerOf }: TerminalRoutesDeps): Router {
  const router = express.Router();

  const workspaceFor = (req: Request, need: 'read' | 'write'): string => {
    const id = workspaceOfRoute(req, need, workspaces.exists, (principal, workspaceId) =>
      requireTerminalAccess(principal, workspaceId, need),
    );
    return id;
  };
  const notFound = (req: Request): HttpError => new HttpError(`terminal ${String(req.params.terminalId)} not found`, 404);

  router.get('/api/workspaces/:id/terminals', (req, res) => {
    // Listing never wakes a hibernated workspace: it has no terminals.
    res.json(managerOf(workspaceFor(req, 'read'), false)?.list() ?? []);
  });
  router.post('/api/workspaces/:id/terminals', (req, res) => {
    const id = workspaceFor(req, 'write');
    const body = validate(createBody, req.body ?? {});
    const manager = managerOf(id, true) as TerminalManager;
    res.status(201).json(manager.create(body));
  });
  router.patch('/api/workspaces/:id/terminals/:terminalId', (req, res) => {
    const id = workspaceFor(req, 'write');
    const body = validate(patchBody, req.body);
    const info = managerOf(id, false)?.update(String(req.params.terminalId), body);
    if (!info) throw notFound(req);
    res.json(info);
  });
  router.delete('/api/workspaces/:id/terminals/:terminalId', async (req, res) => {
    const id = workspaceFor(req, 'write');
    const closed = await managerOf(id, false)?.close(String(req.params.terminalId), 'closed');
    if (!closed) throw notFound(req);
    res.status(204).end();
  });
  return router;
}
