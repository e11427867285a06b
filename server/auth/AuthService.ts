import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Share } from '../../shared/api.js';
import type { Db, Migration } from '../store/index.js';
import type { Principal } from './principal.js';
import { hashToken, randomToken, secretsEqual } from './tokens.js';

/** Runs after the workspaces migration (shares reference workspaces). */
export const authMigrations: Migration[] = [
  {
    name: '002-shares-sessions',
    sql: `CREATE TABLE shares (
       id TEXT PRIMARY KEY,
       workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
       role TEXT NOT NULL CHECK (role IN ('read', 'write')),
       token_hash TEXT NOT NULL UNIQUE,
       created_at TEXT NOT NULL,
       expires_at TEXT
     );
     CREATE TABLE sessions (
       id_hash TEXT PRIMARY KEY,
       share_id TEXT REFERENCES shares(id) ON DELETE CASCADE,
       owner_token_hash TEXT,
       created_at TEXT NOT NULL
     );`,
  },
];

export const SESSION_COOKIE = 'nimbus_session';
const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

interface ShareRow {
  id: string;
  workspace_id: string;
  role: 'read' | 'write';
  created_at: string;
  expires_at: string | null;
}

const toShare = (row: ShareRow): Share => ({
  id: row.id,
  workspaceId: row.workspace_id,
  role: row.role,
  createdAt: row.created_at,
  ...(row.expires_at ? { expiresAt: row.expires_at } : {}),
});

/** Reads the owner token from config, or generates one and keeps it (mode 0600) in the data dir. */
export function loadOwnerToken(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'owner-token');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) return existing;
  } catch {
    // first start: fall through and create it
  }
  const token = randomToken();
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(value));
      } catch {
        // a malformed cookie is ignored, as if absent
      }
    }
  }
  return cookies;
}

/** Owner token, share tokens and browser sessions. Tokens are stored hashed and compared in constant time. */
export class AuthService {
  private readonly ownerTokenHash: string;

  constructor(
    private readonly db: Db,
    private readonly ownerToken: string,
  ) {
    this.ownerTokenHash = hashToken(ownerToken);
  }

  /** Resolves a bearer token (owner or share) to a principal. */
  principalForToken(token: string): Principal | undefined {
    if (secretsEqual(token, this.ownerToken)) return { role: 'owner' };
    // Share tokens are looked up by their hash: the hash is not secret-dependent timing-wise for the caller.
    const row = this.db
      .prepare('SELECT id, workspace_id, role, expires_at FROM shares WHERE token_hash = ?')
      .get(hashToken(token)) as Pick<ShareRow, 'id' | 'workspace_id' | 'role' | 'expires_at'> | undefined;
    if (!row || isExpired(row.expires_at)) return undefined;
    return { role: row.role, shareId: row.id, workspaceId: row.workspace_id };
  }

  principalForSession(sessionId: string): Principal | undefined {
    const row = this.db
      .prepare(
        `SELECT s.share_id, s.owner_token_hash, sh.workspace_id, sh.role, sh.expires_at
         FROM sessions s LEFT JOIN shares sh ON sh.id = s.share_id WHERE s.id_hash = ?`,
      )
      .get(hashToken(sessionId)) as
      | { share_id: string | null; owner_token_hash: string | null; workspace_id: string | null; role: 'read' | 'write' | null; expires_at: string | null }
      | undefined;
    if (!row) return undefined;
    if (row.share_id === null) {
      return row.owner_token_hash !== null && secretsEqual(row.owner_token_hash, this.ownerTokenHash)
        ? { role: 'owner' }
        : undefined;
    }
    if (!row.workspace_id || !row.role || isExpired(row.expires_at)) return undefined;
    return { role: row.role, shareId: row.share_id, workspaceId: row.workspace_id };
  }

  /** Bearer header, then session cookie, then (when allowed) `?token=`. */
  resolve(req: IncomingMessage, options: { allowQueryToken: boolean; url?: URL }): Principal | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return this.principalForToken(auth.slice(7).trim());
    const session = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const fromSession = session ? this.principalForSession(session) : undefined;
    if (fromSession) return fromSession;
    if (options.allowQueryToken && options.url) {
      const token = options.url.searchParams.get('token');
      if (token) return this.principalForToken(token);
    }
    return undefined;
  }

  createSession(principal: Principal): { id: string; cookie: string } {
    const id = randomToken();
    this.db
      .prepare('INSERT INTO sessions (id_hash, share_id, owner_token_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(hashToken(id), principal.shareId ?? null, principal.shareId ? null : this.ownerTokenHash, new Date().toISOString());
    const cookie = `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_SECONDS}`;
    return { id, cookie };
  }

  deleteSession(sessionId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashToken(sessionId));
  }

  createShare(workspaceId: string, role: 'read' | 'write', expiresInSeconds: number | undefined): { share: Share; token: string } {
    const id = randomToken(9);
    const token = randomToken();
    const createdAt = new Date().toISOString();
    const expiresAt = expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000).toISOString() : null;
    this.db
      .prepare('INSERT INTO shares (id, workspace_id, role, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, workspaceId, role, hashToken(token), createdAt, expiresAt);
    return { share: toShare({ id, workspace_id: workspaceId, role, created_at: createdAt, expires_at: expiresAt }), token };
  }

  listShares(workspaceId: string): Share[] {
    const rows = this.db
      .prepare('SELECT id, workspace_id, role, created_at, expires_at FROM shares WHERE workspace_id = ? ORDER BY created_at')
      .all(workspaceId) as ShareRow[];
    return rows.filter((r) => !isExpired(r.expires_at)).map(toShare);
  }

  /** Deletes the share and (by cascade) its browser sessions. Returns false if there was none. */
  revokeShare(workspaceId: string, shareId: string): boolean {
    return this.db.prepare('DELETE FROM shares WHERE id = ? AND workspace_id = ?').run(shareId, workspaceId).changes > 0;
  }
}

function isExpired(expiresAt: string | null): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= Date.now();
}
