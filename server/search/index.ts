import type { Worker } from 'node:worker_threads';
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { workspaceOfRoute } from '../auth/index.js';
import { protectedDataDirs } from '../files/index.js';
import { HttpError, validate } from '../http/index.js';
import type { Logger } from '../logger.js';
import { startWorker } from '../workerThread.js';
import type { WorkspaceService } from '../workspaces/index.js';
import { compileQuery } from '../../shared/search.js';
import { findRipgrep, ripgrepCandidates } from './ripgrep.js';
import type { SearchQuery } from './textSearch.js';

/** Files ripgrep may list for one search (the workspace index has the same bound). */
const MAX_CANDIDATES = 200_000;

export interface SearchLimits {
  /** Searches running at once in the whole server; more are refused with 429. */
  concurrent: number;
  /** A search is stopped after this long (a pathological regex, a huge tree). */
  timeoutMs: number;
  maxMatches: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = { concurrent: 4, timeoutMs: 20_000, maxMatches: 5000 };

const list = z
  .string()
  .max(2000)
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
const flag = z
  .enum(['0', '1', 'true', 'false'])
  .optional()
  .transform((v) => v === '1' || v === 'true');
const searchParams = z.object({
  q: z.string().min(1, 'give something to search for').max(1000),
  regex: flag,
  case: flag,
  word: flag,
  include: list,
  exclude: list,
});

/**
 * Find in files: `GET /api/workspaces/:id/search?q=…` streams NDJSON — a `{type:"file", path, matches}`
 * line per file as it is searched, then `{type:"done", files, matches, searched, truncated, timedOut}`.
 * Each search runs in a worker thread with a time budget, a bounded number at once.
 */
export function searchRoutes(deps: {
  workspaces: WorkspaceService;
  log: Logger;
  limits?: SearchLimits;
  /** 'builtin': never ripgrep (tests of the walk); default: ripgrep where it is installed. */
  engine?: 'auto' | 'builtin';
}): Router {
  const limits = deps.limits ?? DEFAULT_SEARCH_LIMITS;
  // Looked for on the first search, not at start-up (it runs `rg --version`).
  let engine: { rg: string | undefined } | undefined;
  const ripgrep = (): string | undefined => {
    if (!engine) {
      engine = { rg: deps.engine === 'builtin' ? undefined : findRipgrep() };
      deps.log.info({ engine: engine.rg ? 'ripgrep' : 'builtin' }, 'find in files');
    }
    return engine.rg;
  };
  const router = express.Router();
  let running = 0;

  const workspaceFor = (req: Request): string => {
    const id = workspaceOfRoute(req, 'read', deps.workspaces.exists);
    return id;
  };

  router.get('/api/workspaces/:id/search', (req, res) => {
    const id = workspaceFor(req);
    const params = validate(searchParams, req.query, 'search');
    const query: SearchQuery = {
      pattern: params.q,
      isRegex: params.regex,
      caseSensitive: params.case,
      wholeWord: params.word,
      include: params.include,
      exclude: params.exclude,
      maxMatches: limits.maxMatches,
    };
    try {
      compileQuery(query);
    } catch (err) {
      throw new HttpError(`not a valid regular expression: ${(err as Error).message}`, 400, 'invalid_regex');
    }
    if (running >= limits.concurrent) throw new HttpError('too many searches are running; try again in a moment', 429, 'busy');
    running++;
    const started = Date.now();
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    let worker: Worker | undefined;
    const stop = new AbortController();
    let finished = false;
    const finish = (last: object): void => {
      if (finished) return;
      finished = true;
      running--;
      clearTimeout(timer);
      stop.abort();
      void worker?.terminate();
      if (!res.writableEnded) res.end(`${JSON.stringify({ type: 'done', ...last, durationMs: Date.now() - started })}\n`);
    };
    const timer = setTimeout(() => finish({ files: 0, matches: 0, searched: 0, truncated: true, timedOut: true }), limits.timeoutMs);
    // The person went away (a new search, a closed page): stop at once.
    res.on('close', () => finish({}));
    const root = deps.workspaces.rootOf(id);
    const rg = ripgrep();
    const candidates = rg ? ripgrepCandidates(rg, root, query, MAX_CANDIDATES, stop.signal) : Promise.resolve(undefined);
    void candidates.then((found) => {
      if (finished) return;
      worker = startWorker(import.meta.url, 'searchWorker', {
        root,
        query,
        dataDirs: protectedDataDirs(),
        ...(found ? { candidates: found } : {}),
      });
      worker.on('message', (message: { type: string; message?: string }) => {
        const { type, ...rest } = message;
        if (type === 'file') res.write(`${JSON.stringify(message)}\n`);
        else if (type === 'done') finish({ ...rest, timedOut: false, engine: found ? 'ripgrep' : 'builtin' });
        else finish({ files: 0, matches: 0, searched: 0, truncated: true, timedOut: false, error: rest.message });
      });
      worker.on('error', (err) => {
        deps.log.warn({ err }, 'a search failed');
        finish({ files: 0, matches: 0, searched: 0, truncated: true, timedOut: false, error: 'the search failed' });
      });
    });
  });
  return router;
}
