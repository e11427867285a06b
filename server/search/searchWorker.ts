/** A search in its own thread (see textSearch.ts): files stream back as they are done. */
import { parentPort, workerData } from 'node:worker_threads';
import { protectDataDir } from '../files/pathGuard.js';
import { searchFiles, type SearchQuery, type SearchSummary } from './textSearch.js';

const port = parentPort;
if (!port) throw new Error('searchWorker must run in a worker thread');
const { root, query, dataDirs, candidates } = workerData as {
  root: string;
  query: SearchQuery;
  dataDirs: string[];
  candidates?: { files: string[]; truncated: boolean };
};
// The server's data dirs stay out of reach here too (the main thread's list does not cross threads).
for (const dir of dataDirs) protectDataDir(dir);
const summary: SearchSummary = { files: 0, matches: 0, truncated: false, searched: 0 };
try {
  for await (const file of searchFiles(root, query, summary, candidates)) port.postMessage({ type: 'file', ...file });
  port.postMessage({ type: 'done', ...summary });
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message });
}
