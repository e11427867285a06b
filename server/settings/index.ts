import express, { type Router } from 'express';
import { z } from 'zod';
import { principalOf, type Principal } from '../auth/index.js';
import { HttpError, validate } from '../http/index.js';
import type { Db, Migration } from '../store/index.js';

/**
 * User settings: one JSON object per person, kept by the server so they follow the person to another
 * browser. The owner is one person; someone who came in with a share link is that link (deleting the
 * link deletes its settings). Values are the client's business (it validates them against the schema
 * each feature registers); the server bounds their size and shape.
 */
export const settingsMigrations: Migration[] = [
  {
    name: 'settings-001-user',
    sql: `CREATE TABLE user_settings (
       person TEXT PRIMARY KEY,
       share_id TEXT REFERENCES shares(id) ON DELETE CASCADE,
       settings TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );`,
  },
];

export const MAX_SETTINGS_BYTES = 64 * 1024;
const MAX_KEYS = 500;

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string().max(4096), z.number(), z.boolean(), z.null(), z.array(jsonValue).max(200), z.record(z.string().max(200), jsonValue)]),
);
const settingsBody = z
  .record(
    z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\w.-]+$/, 'setting names are letters, digits, _, - and .'),
    jsonValue,
  )
  .refine((o) => Object.keys(o).length <= MAX_KEYS, `at most ${MAX_KEYS} settings`);

const personOf = (p: Principal): { person: string; shareId: string | null } =>
  p.role === 'owner' || !p.shareId ? { person: 'owner', shareId: null } : { person: `share:${p.shareId}`, shareId: p.shareId };

export class UserSettingsStore {
  constructor(private readonly db: Db) {}

  get(principal: Principal): Record<string, unknown> {
    const row = this.db.prepare('SELECT settings FROM user_settings WHERE person = ?').get(personOf(principal).person) as
      { settings: string } | undefined;
    return row ? (JSON.parse(row.settings) as Record<string, unknown>) : {};
  }

  put(principal: Principal, settings: Record<string, unknown>): void {
    const { person, shareId } = personOf(principal);
    this.db
      .prepare(
        'INSERT INTO user_settings (person, share_id, settings, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(person) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at',
      )
      .run(person, shareId, JSON.stringify(settings), new Date().toISOString());
  }
}

/** `GET /api/settings` and `PUT /api/settings` (the whole object): the caller's own user settings. */
export function settingsRoutes(store: UserSettingsStore): Router {
  const router = express.Router();
  router.get('/api/settings', (req, res) => {
    res.json(store.get(principalOf(req)));
  });
  router.put('/api/settings', (req, res) => {
    const principal = principalOf(req);
    if (Buffer.byteLength(JSON.stringify(req.body ?? null)) > MAX_SETTINGS_BYTES)
      throw new HttpError(`settings are at most ${MAX_SETTINGS_BYTES} bytes`, 413, 'too_large');
    const settings = validate(settingsBody, req.body);
    store.put(principal, settings);
    res.json(settings);
  });
  return router;
}
