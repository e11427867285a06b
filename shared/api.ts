/** Types of the REST API shared by the server and the browser client (see docs/api.md). */

export type Role = 'owner' | 'write' | 'read';

export type WorkspaceState = 'running' | 'paused' | 'hibernated';

/** Why a workspace's state last changed. */
export type StateReason = 'wake' | 'idle' | 'request' | 'shutdown' | 'access' | 'crash';

export interface Workspace {
  id: string;
  name: string;
  state: WorkspaceState;
  hibernateAfterSeconds: number;
  /** Paused (every process stopped, memory kept) after this long without activity; 0 is never. */
  pauseAfterSeconds: number;
  lastActiveAt: string;
  /** When the state last changed, and why. */
  stateChangedAt?: string;
  stateReason?: StateReason;
  /** Absolute folder on the server for workspaces opened with `--open`; undefined for managed ones. */
  openedPath?: string;
}

/** What a share may do in terminals: nothing, watch them, or type in them (run commands). */
export type TerminalGrant = 'none' | 'read' | 'write';

export interface Share {
  id: string;
  workspaceId: string;
  role: 'read' | 'write';
  terminal: TerminalGrant;
  createdAt: string;
  expiresAt?: string;
}

export interface CreatedShare extends Share {
  token: string;
  url: string;
}

/** Whether processes of a workspace run sandboxed here (told to the owner, for the share dialog). */
export interface SandboxStatus {
  available: boolean;
  /** Why there is no sandbox (bubblewrap missing, no user namespaces). */
  reason?: string;
  /** Whether shares may be granted terminal input (always with a sandbox; without, only if the server allows it). */
  terminalWriteGrantable: boolean;
  /** What terminals see of the home folder of the user running Nimbus. */
  home: 'private' | 'read-only' | 'read-write';
}

export interface Session {
  role: Role;
  /** What this session may do in terminals (the owner: write). */
  terminal: TerminalGrant;
  /** The owner's only. */
  sandbox?: SandboxStatus;
  /** Set for share principals: the only workspace they may reach. */
  workspaceId?: string;
  shareId?: string;
}

/** `GET /api/workspaces/:id/typings`: the declaration files of the workspace's `node_modules/@types`. */
export interface WorkspaceTypings {
  files: { path: string; text: string }[];
  /** The limits (files, bytes) were reached: some declarations are missing. */
  truncated: boolean;
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

const GRANT_ORDER: Record<TerminalGrant, number> = { none: 0, read: 1, write: 2 };
export const grantAllows = (grant: TerminalGrant, need: 'read' | 'write'): boolean => GRANT_ORDER[grant] >= GRANT_ORDER[need];
