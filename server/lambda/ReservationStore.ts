import type { Db, Migration } from '../store/index.js';

/** Runs after the workspaces migration (reservations belong to a workspace). */
export const reservationMigrations: Migration[] = [
  {
    name: '010-lambda-reserved-concurrency',
    sql: `CREATE TABLE lambda_reserved_concurrency (
       workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
       function_name TEXT NOT NULL,
       reserved INTEGER,
       template_value INTEGER,
       PRIMARY KEY (workspace_id, function_name)
     );`,
  },
];

/**
 * Reserved concurrency set through the API (Put/DeleteFunctionConcurrency). It outlives restarts and
 * hibernation, and holds until the template's own ReservedConcurrentExecutions changes: editing the
 * template is the local equivalent of a deploy, which on AWS resets what the API had set.
 */
export interface Reservation {
  /** undefined: the API removed the reservation (DeleteFunctionConcurrency). */
  reserved: number | undefined;
  /** The template's value when the API set this, to notice when the template changes. */
  templateValue: number | undefined;
}

export class ReservationStore {
  constructor(private readonly db: Db) {}

  load(workspaceId: string): Map<string, Reservation> {
    const rows = this.db
      .prepare('SELECT function_name, reserved, template_value FROM lambda_reserved_concurrency WHERE workspace_id = ?')
      .all(workspaceId) as { function_name: string; reserved: number | null; template_value: number | null }[];
    return new Map(rows.map((r) => [r.function_name, { reserved: r.reserved ?? undefined, templateValue: r.template_value ?? undefined }]));
  }

  save(workspaceId: string, name: string, r: Reservation): void {
    this.db
      .prepare(
        `INSERT INTO lambda_reserved_concurrency (workspace_id, function_name, reserved, template_value) VALUES (?, ?, ?, ?)
         ON CONFLICT (workspace_id, function_name) DO UPDATE SET reserved = excluded.reserved, template_value = excluded.template_value`,
      )
      .run(workspaceId, name, r.reserved ?? null, r.templateValue ?? null);
  }

  remove(workspaceId: string, name: string): void {
    this.db.prepare('DELETE FROM lambda_reserved_concurrency WHERE workspace_id = ? AND function_name = ?').run(workspaceId, name);
  }
}
