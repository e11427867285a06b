/** Types of the REST API shared by the server and the browser client (see docs/api.md). */

export type Role = 'owner' | 'write' | 'read';

export type WorkspaceState = 'running' | 'paused' | 'hibernated';

export interface Workspace {
  id: string;
  name: string;
  state: WorkspaceState;
  hibernateAfterSeconds: number;
  lastActiveAt: string;
  /** Absolute folder on the server for workspaces opened with `--open`; undefined for managed ones. */
  openedPath?: string;
}

export interface Share {
  id: string;
  workspaceId: string;
  role: 'read' | 'write';
  createdAt: string;
  expiresAt?: string;
}

export interface CreatedShare extends Share {
  token: string;
  url: string;
}

export interface Session {
  role: Role;
  /** Set for share principals: the only workspace they may reach. */
  workspaceId?: string;
  shareId?: string;
}

export interface FileEntry {
  name: string;
  path: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mtimeMs: number;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export const canWrite = (role: Role): boolean => role === 'owner' || role === 'write';
