import type { Request } from 'express';
import type { Role, TerminalGrant } from '../../shared/api.js';
import { canWrite, grantAllows } from '../../shared/api.js';
import { HttpError } from '../http/index.js';

/** Who is making a request or holds a socket. Every route and socket handler checks it. */
export interface Principal {
  role: Role;
  /** Share principals only: the share they came in with and the one workspace it reaches. */
  shareId?: string;
  workspaceId?: string;
  /** Terminal access (owner: write; a share: what the owner granted). */
  terminal: TerminalGrant;
  /** When the share stops working (its open sockets are closed then). */
  expiresAt?: number;
}

const principals = new WeakMap<object, Principal>();

export const setPrincipal = (req: object, principal: Principal): void => {
  principals.set(req, principal);
};

export function principalOf(req: Request | object): Principal {
  const principal = principals.get(req);
  if (!principal) throw new HttpError('authentication required', 401);
  return principal;
}

export type Need = 'read' | 'write' | 'owner';

export function allows(principal: Principal, workspaceId: string, need: Need): boolean {
  if (principal.role === 'owner') return true;
  if (principal.workspaceId !== workspaceId) return false;
  if (need === 'owner') return false;
  if (need === 'write') return canWrite(principal.role);
  return true;
}

/** Throws 403 (or 404 for another workspace, so share tokens learn nothing about other workspaces). */
export function requireAccess(principal: Principal, workspaceId: string, need: Need): void {
  if (allows(principal, workspaceId, need)) return;
  if (principal.role !== 'owner' && principal.workspaceId !== workspaceId) {
    throw new HttpError(`workspace ${workspaceId} not found`, 404);
  }
  throw new HttpError(need === 'owner' ? 'only the owner may do this' : 'this share link is read-only', 403);
}

/**
 * The workspace id of a route (`:id`), once the caller may reach it with `need` and it exists: 404 for
 * one that does not (or that a share may not see), 403 for a right the caller lacks. Every route that
 * acts on a workspace starts here.
 */
export function workspaceOfRoute(
  req: Request,
  need: Need,
  exists: (id: string) => boolean,
  check: (principal: Principal, id: string) => void = (p, id) => requireAccess(p, id, need),
): string {
  const id = String(req.params.id);
  check(principalOf(req), id);
  if (!exists(id)) throw new HttpError(`workspace ${id} not found`, 404);
  return id;
}

/** Terminals are their own grant: a write share edits files, and types in terminals only when granted. */
export function allowsTerminal(principal: Principal, workspaceId: string, need: 'read' | 'write'): boolean {
  return allows(principal, workspaceId, need) && grantAllows(principal.terminal, need);
}

export function requireTerminalAccess(principal: Principal, workspaceId: string, need: 'read' | 'write'): void {
  requireAccess(principal, workspaceId, 'read');
  if (allowsTerminal(principal, workspaceId, need)) return;
  throw new HttpError(
    need === 'write' ? 'this share link may not type in terminals' : 'this share link has no access to terminals',
    403,
    'terminal_access',
  );
}

/** For actions not tied to one workspace (creating a workspace): only the owner. */
export function requireOwner(principal: Principal): void {
  if (principal.role !== 'owner') throw new HttpError('only the owner may do this', 403);
}
