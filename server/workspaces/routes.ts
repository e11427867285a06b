import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAccess, requireOwner } from '../auth/index.js';
import { HttpError, validate } from '../http/index.js';
import type { WorkspaceService } from './WorkspaceService.js';

const name = z.string().trim().min(1).max(100);
const hibernateAfterSeconds = z.number().int().min(60).max(30 * 24 * 3600);
const createBody = z.object({ name, hibernateAfterSeconds: hibernateAfterSeconds.optional() }).strict();
const patchBody = z.object({ name: name.optional(), hibernateAfterSeconds: hibernateAfterSeconds.optional() }).strict();

export function workspaceRoutes(workspaces: WorkspaceService): Router {
  const router = express.Router();

  /** The id from the path, after checking the caller may reach it with `need`, and that it exists. */
  const idFor = (req: Request, need: 'read' | 'write' | 'owner'): string => {
    const id = String(req.params.id);
    requireAccess(principalOf(req), id, need);
    if (!workspaces.exists(id)) throw new HttpError(`workspace ${id} not found`, 404);
    return id;
  };

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
    await workspaces.disposeRuntime(id);
    workspaces.setState(id, 'hibernated');
    res.json(workspaces.get(id));
  });
  router.post('/api/workspaces/:id/wake', (req, res) => {
    const id = idFor(req, 'write');
    workspaces.runtime(id);
    res.json(workspaces.get(id));
  });
  return router;
}
