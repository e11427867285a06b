import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-db-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the WAL is checkpointed in a pause of writing, not inside a commit', () => {
  it('commits stay in the WAL while writes go on, and reach the database file once they pause', async () => {
    const file = path.join(dir, 'nimbus.db');
    const db = openDatabase(file, [{ name: 'rows', sql: 'CREATE TABLE rows (id INTEGER PRIMARY KEY, data BLOB NOT NULL)' }]);
    try {
      const insert = db.prepare('INSERT INTO rows (data) VALUES (?)');
      const before = fs.statSync(file).size;
      // Well over SQLite's automatic checkpoint (1000 pages), which is switched off.
      for (let i = 0; i < 1500; i++) insert.run(Buffer.alloc(4000, i % 256));
      expect(fs.statSync(file).size).toBe(before);
      expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(1500 * 4000);
      const deadline = Date.now() + 5000;
      while (fs.statSync(file).size < 1500 * 4000 && Date.now() < deadline) await sleep(50);
      expect(fs.statSync(file).size).toBeGreaterThan(1500 * 4000);
      expect(db.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(1500);
    } finally {
      db.close();
    }
  });
});
