import Database from 'better-sqlite3';
import fs from 'node:fs';
fs.rmSync('/tmp/sqb', { recursive: true, force: true }); fs.mkdirSync('/tmp/sqb');
const db = new Database('/tmp/sqb/x.db');
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, doc INTEGER, data BLOB)');
const ins = db.prepare('INSERT INTO u (doc, data) VALUES (?, ?)');
const buf = Buffer.alloc(30, 1);
const times = [];
for (let i = 0; i < 5000; i++) { const t = performance.now(); ins.run(1, buf); times.push(performance.now() - t); }
times.sort((a, b) => a - b);
console.log('p50', times[2500].toFixed(4), 'p99', times[4950].toFixed(4), 'max', times[4999].toFixed(2), 'sum', times.reduce((a, b) => a + b).toFixed(1));
