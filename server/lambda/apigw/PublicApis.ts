import type { Db, Migration } from '../../store/index.js';

export const publicApiMigrations: Migration[] = [
  {
    name: '012-lambda-public-apis',
    sql: `CREATE TABLE lambda_public_apis (
       workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
       api_id TEXT NOT NULL,
       PRIMARY KEY (workspace_id, api_id)
     );`,
  },
];

/**
 * The local HTTP APIs (and function URLs) a workspace's owner opened to anyone: called without the
 * workspace's credentials (a phone, a webhook). Kept on the server, not in the workspace, so only the
 * owner decides. By API id (`<template>#<logical id>`).
 */
export class PublicApis {
  private readonly listStmt;
  private readonly hasStmt;
  private readonly anyStmt;
  private readonly addStmt;
  private readonly removeStmt;

  constructor(db: Db) {
    // Prepared once: the gateway asks on every request that comes without the workspace's credentials.
    this.listStmt = db.prepare('SELECT api_id FROM lambda_public_apis WHERE workspace_id = ?');
    this.hasStmt = db.prepare('SELECT 1 FROM lambda_public_apis WHERE workspace_id = ? AND api_id = ?');
    this.anyStmt = db.prepare('SELECT 1 FROM lambda_public_apis WHERE workspace_id = ? LIMIT 1');
    this.addStmt = db.prepare('INSERT OR IGNORE INTO lambda_public_apis (workspace_id, api_id) VALUES (?, ?)');
    this.removeStmt = db.prepare('DELETE FROM lambda_public_apis WHERE workspace_id = ? AND api_id = ?');
  }

  list(workspaceId: string): Set<string> {
    return new Set((this.listStmt.all(workspaceId) as { api_id: string }[]).map((r) => r.api_id));
  }

  has(workspaceId: string, apiId: string): boolean {
    return this.hasStmt.get(workspaceId, apiId) !== undefined;
  }

  any(workspaceId: string): boolean {
    return this.anyStmt.get(workspaceId) !== undefined;
  }

  set(workspaceId: string, apiId: string, open: boolean): void {
    (open ? this.addStmt : this.removeStmt).run(workspaceId, apiId);
  }
}
