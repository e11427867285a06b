import Database from 'better-sqlite3';
import fs from 'node:fs';
for (const variant of ['rowid+index+fk', 'withoutrowid', 'rowid-only']) {
fs.rmSync('/tmp/sqb', { recursive: true, force: true }); fs.mkdirSync('/tmp/sqb');
const db = new Database('/tmp/sqb/x.db');
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('foreign_keys = ON');
db.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, x TEXT)'); db.exec("INSERT INTO d VALUES (1, 'a')");
let ins;
if (variant === 'rowid+index+fk') { db.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, doc INTEGER NOT NULL REFERENCES d(id) ON DELETE CASCADE, data BLOB); CREATE INDEX ui ON u(doc, id)'); ins = db.prepare('INSERT INTO u (doc, data) VALUES (?, ?)'); }
if (variant === 'withoutrowid') { db.exec('CREATE TABLE u (doc INTEGER NOT NULL REFERENCES d(id) ON DELETE CASCADE, seq INTEGER NOT NULL, data BLOB, PRIMARY KEY (doc, seq)) WITHOUT ROWID'); const s = db.prepare('INSERT INTO u (doc, seq, data) VALUES (?, ?, ?)'); let n = 0; ins = { run: (d, b) => s.run(d, ++n, b) }; }
if (variant === 'rowid-only') { db.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, doc INTEGER, data BLOB)'); ins = db.prepare('INSERT INTO u (doc, data) VALUES (?, ?)'); }
const buf = Buffer.alloc(30, 1);
const times = [];
for (let i = 0; i < 5000; i++) { const t = performance.now(); ins.run(1, buf); times.push(performance.now() - t); }
times.sort((a, b) => a - b);
console.log(variant.padEnd(16), 'p50', times[2500].toFixed(4), 'p99', times[4950].toFixed(4), 'max', times[4999].toFixed(2));
db.close();
}
