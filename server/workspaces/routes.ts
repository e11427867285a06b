import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { allows, principalOf, requireOwner, workspaceOfRoute } from '../auth/index.js';
import { validate } from '../http/index.js';
import type { WorkspaceEvents } from './WorkspaceEvents.js';
import type { WorkspaceService } from './WorkspaceService.js';

const name = z.string().trim().min(1).max(100);
/** 0 means never; otherwise at least 5 s (tests use seconds; the UI offers 30 min to 1 week). */
const hibernateAfterSeconds = z
  .number()
  .int()
  .min(0)
  .max(30 * 24 * 3600)
  .refine((n) => n === 0 || n >= 5, 'must be 0 (never) or at least 5 seconds');
const activityBody = z.object({ stayAwake: z.boolean().optional(), name: z.string().trim().min(1).max(100).optional() }).strict();
const createBody = z.object({ name, hibernateAfterSeconds: hibernateAfterSeconds.optional() }).strict();
const patchBody = z
  .object({
    name: name.optional(),
    hibernateAfterSeconds: hibernateAfterSeconds.optional(),
    pauseAfterSeconds: hibernateAfterSeconds.optional(),
  })
  .strict();

export interface WorkspaceRoutesDeps {
  workspaces: WorkspaceService;
  events: WorkspaceEvents;
  hibernate: (id: string) => Promise<void>;
}

/**
 * A change made through the API is activity, and wakes a hibernated workspace (reading does neither).
 * Mounted before every route that changes a workspace (uploads read their own bodies).
 */
export function workspaceActivity(workspaces: WorkspaceService): Router {
  const router = express.Router();
  router.use('/api/workspaces/:id', (req, _res, next) => {
    const id = String(req.params.id);
    workspaces.accessed(id);
    // (Settings, deletion, hibernation and share links are about the workspace, not work in it.)
    const about = req.path === '/' || req.path === '/hibernate' || req.path.startsWith('/shares');
    const changes = req.method !== 'GET' && req.method !== 'HEAD' && !about;
    if (changes && workspaces.exists(id) && allows(principalOf(req), id, 'write')) {
      workspaces.runtime(id);
      workspaces.touch(id);
    }
    next();
  });
  return router;
}

export function workspaceRoutes({ workspaces, events, hibernate }: WorkspaceRoutesDeps): Router {
  const router = express.Router();

  /** The id from the path, after checking the caller may reach it with `need`, and that it exists. */
  const idFor = (req: Request, need: 'read' | 'write' | 'owner'): string => workspaceOfRoute(req, need, workspaces.exists);

  router.get('/api/workspaces', (req, res) => {
    const principal = principalOf(req);
    const all = workspaces.list();
    res.json(principal.role === 'owner' ? all : all.filter((w) => w.id === principal.workspaceId));
  });
  router.post('/api/workspaces', (req, res) => {
    requireOwner(principalOf(req));
    const body = validate(createBody, req.body);
    const opts = body.hibernateAfterSeconds === undefined ? {} : { hibernateAfterSeconds: body.hibernateAfterSeconds };
    res.status(201).json(workspaces.create(body.name, opts));
  });
  router.get('/api/workspaces/:id', (req, res) => {
    res.json(workspaces.get(idFor(req, 'read')));
  });
  router.patch('/api/workspaces/:id', (req, res) => {
    const id = idFor(req, 'owner');
    const body = validate(patchBody, req.body);
    res.json(workspaces.update(id, body));
  });
  router.delete('/api/workspaces/:id', async (req, res) => {
    await workspaces.delete(idFor(req, 'owner'));
    res.status(204).end();
  });
  router.post('/api/workspaces/:id/hibernate', async (req, res) => {
    const id = idFor(req, 'owner');
    await hibernate(id);
    res.json(workspaces.get(id));
  });
  // The IDE reports a person using it (keys, pointer, focus; at most every 30 s), and "Stay awake".
  router.post('/api/workspaces/:id/activity', (req, res) => {
    const id = idFor(req, 'read');
    const body = validate(activityBody, req.body ?? {});
    workspaces.touch(id);
    if (body.stayAwake) events.publish(id, { type: 'stay-awake', by: body.name ?? 'someone' });
    res.status(204).end();
  });
  router.post('/api/workspaces/:id/wake', (req, res) => {
    const id = idFor(req, 'write');
    workspaces.runtime(id);
    res.json(workspaces.get(id));
  });
  return router;
}
