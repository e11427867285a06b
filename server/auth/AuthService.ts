import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Share, TerminalGrant } from '../../shared/api.js';
import type { Db, Migration } from '../store/index.js';
import type { Statement } from 'better-sqlite3';
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
  {
    // Write-share tokens, sealed with the server's key: SigV4 (the Lambda API) needs the secret itself.
    name: '003-share-sealed-tokens',
    sql: 'ALTER TABLE shares ADD COLUMN token_sealed TEXT;',
  },
  {
    // Terminal access became its own grant. Links made before may watch terminals but not type in
    // them: typing runs commands, which the owner now grants explicitly.
    name: '004-share-terminal-grant',
    sql: "ALTER TABLE shares ADD COLUMN terminal TEXT NOT NULL DEFAULT 'read' CHECK (terminal IN ('none', 'read', 'write'));",
  },
];

export const SESSION_COOKIE = 'nimbus_session';
/** Sessions end after this, on the server as in the cookie. */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

interface ShareRow {
  id: string;
  workspace_id: string;
  role: 'read' | 'write';
  terminal: TerminalGrant;
  created_at: string;
  expires_at: string | null;
}

const toShare = (row: ShareRow): Share => ({
  id: row.id,
  workspaceId: row.workspace_id,
  role: row.role,
  terminal: row.terminal,
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

/**
 * The key that seals write-share tokens at rest (AES-256-GCM), kept (mode 0600) in the data dir apart
 * from the database: a copied database alone reveals no token.
 */
export function loadShareSealKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'share-seal.key');
  try {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length === 32) return key;
  } catch {
    // first start: fall through and create it
  }
  const key = randomBytes(32);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}

/** AES-256-GCM with the share id as associated data: a sealed token only opens for its own share. */
function seal(key: Buffer, shareId: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(shareId));
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

function unseal(key: Buffer, shareId: string, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(shareId));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
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
    /** Seals write-share tokens so the Lambda API can verify SigV4 with them; without it they cannot sign. */
    private readonly sealKey?: Buffer,
    /** Where Nimbus is served (`/ide` behind a proxy): the session cookie's Path, redirects and pages. */
    readonly basePath = '',
  ) {
    this.ownerTokenHash = hashToken(ownerToken);
  }

  /**
   * The secrets that may sign requests for a workspace (SigV4 needs them in clear, unlike bearer tokens,
   * which are checked by hash): the owner token, then each live write share's token. Lazy, so that a
   * request signed with the owner token costs no database read.
   */
  *signingSecrets(workspaceId: string): Generator<{ secret: string; principal: Principal }> {
    yield { secret: this.ownerToken, principal: OWNER };
    if (!this.sealKey) return;
    this.writeSharesOf ??= this.db.prepare(
      "SELECT id, token_sealed, terminal, expires_at FROM shares WHERE workspace_id = ? AND role = 'write' AND token_sealed IS NOT NULL",
    );
    const rows = this.writeSharesOf.all(workspaceId) as {
      id: string;
      token_sealed: string;
      terminal: TerminalGrant;
      expires_at: string | null;
    }[];
    for (const row of rows) {
      if (isExpired(row.expires_at)) continue;
      const secret = unseal(this.sealKey, row.id, row.token_sealed);
      if (secret)
        yield {
          secret,
          principal: sharePrincipal({
            id: row.id,
            workspace_id: workspaceId,
            role: 'write',
            terminal: row.terminal,
            expires_at: row.expires_at,
          }),
        };
    }
  }

  private writeSharesOf: Statement | undefined;
  // Every authenticated request runs one of these: compiled once, not per request.
  private shareByTokenHash: Statement | undefined;
  private sessionByIdHash: Statement | undefined;

  /** Resolves a bearer token (owner or share) to a principal. */
  principalForToken(token: string): Principal | undefined {
    if (secretsEqual(token, this.ownerToken)) return OWNER;
    // Share tokens are looked up by their hash: the hash is not secret-dependent timing-wise for the caller.
    this.shareByTokenHash ??= this.db.prepare('SELECT id, workspace_id, role, terminal, expires_at FROM shares WHERE token_hash = ?');
    const row = this.shareByTokenHash.get(hashToken(token)) as
      Pick<ShareRow, 'id' | 'workspace_id' | 'role' | 'terminal' | 'expires_at'> | undefined;
    if (!row || isExpired(row.expires_at)) return undefined;
    return sharePrincipal(row);
  }

  principalForSession(sessionId: string): Principal | undefined {
    this.sessionByIdHash ??= this.db.prepare(
      `SELECT s.share_id, s.owner_token_hash, s.created_at, sh.workspace_id, sh.role, sh.terminal, sh.expires_at
       FROM sessions s LEFT JOIN shares sh ON sh.id = s.share_id WHERE s.id_hash = ?`,
    );
    const row = this.sessionByIdHash.get(hashToken(sessionId)) as
      | {
          share_id: string | null;
          owner_token_hash: string | null;
          created_at: string;
          workspace_id: string | null;
          role: 'read' | 'write' | null;
          terminal: TerminalGrant | null;
          expires_at: string | null;
        }
      | undefined;
    if (!row) return undefined;
    // The cookie's Max-Age is the browser's business; the server holds sessions to the same limit.
    if (Date.parse(row.created_at) + SESSION_MAX_AGE_SECONDS * 1000 <= Date.now()) {
      this.deleteSession(sessionId);
      return undefined;
    }
    if (row.share_id === null) {
      return row.owner_token_hash !== null && secretsEqual(row.owner_token_hash, this.ownerTokenHash) ? OWNER : undefined;
    }
    if (!row.workspace_id || !row.role || !row.terminal || isExpired(row.expires_at)) return undefined;
    return sharePrincipal({
      id: row.share_id,
      workspace_id: row.workspace_id,
      role: row.role,
      terminal: row.terminal,
      expires_at: row.expires_at,
    });
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
    return { id, cookie: this.sessionCookie(id, SESSION_MAX_AGE_SECONDS) };
  }

  /** The session cookie's header value (`''` and 0 clear it): under the base path, never readable by scripts. */
  sessionCookie(value: string, maxAgeSeconds: number): string {
    return `${SESSION_COOKIE}=${value}; Path=${this.basePath || '/'}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
  }

  deleteSession(sessionId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashToken(sessionId));
  }

  createShare(
    workspaceId: string,
    role: 'read' | 'write',
    terminal: TerminalGrant,
    expiresInSeconds: number | undefined,
  ): { share: Share; token: string } {
    const id = randomToken(9);
    const token = randomToken();
    const createdAt = new Date().toISOString();
    const expiresAt = expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000).toISOString() : null;
    const sealed = role === 'write' && this.sealKey ? seal(this.sealKey, id, token) : null;
    this.db
      .prepare(
        'INSERT INTO shares (id, workspace_id, role, terminal, token_hash, token_sealed, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, workspaceId, role, terminal, hashToken(token), sealed, createdAt, expiresAt);
    return { share: toShare({ id, workspace_id: workspaceId, role, terminal, created_at: createdAt, expires_at: expiresAt }), token };
  }

  listShares(workspaceId: string): Share[] {
    const rows = this.db
      .prepare('SELECT id, workspace_id, role, terminal, created_at, expires_at FROM shares WHERE workspace_id = ? ORDER BY created_at')
      .all(workspaceId) as ShareRow[];
    return rows.filter((r) => !isExpired(r.expires_at)).map(toShare);
  }

  /** Deletes the share and (by cascade) its browser sessions. Returns false if there was none. */
  revokeShare(workspaceId: string, shareId: string): boolean {
    return this.db.prepare('DELETE FROM shares WHERE id = ? AND workspace_id = ?').run(shareId, workspaceId).changes > 0;
  }
}

const OWNER: Principal = { role: 'owner', terminal: 'write' };

function sharePrincipal(row: Pick<ShareRow, 'id' | 'workspace_id' | 'role' | 'terminal' | 'expires_at'>): Principal {
  return {
    role: row.role,
    shareId: row.id,
    workspaceId: row.workspace_id,
    // A read share never types, whatever an old row says.
    terminal: row.role === 'read' && row.terminal === 'write' ? 'read' : row.terminal,
    ...(row.expires_at ? { expiresAt: Date.parse(row.expires_at) } : {}),
  };
}

function isExpired(expiresAt: string | null): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= Date.now();
}
