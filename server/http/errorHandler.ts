import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { HttpError } from './HttpError.js';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  statusCode?: number;
  code?: string;
}

/** File system errors that a path from the request caused: the client's mistake, said plainly. */
const PATH_ERRORS: Record<string, [string, string]> = {
  ELOOP: ['the path goes through a loop of symbolic links', 'symlink_loop'],
  ENAMETOOLONG: ['a name in the path is too long', 'path_too_long'],
  ENOTDIR: ['a part of the path is not a folder', 'not_a_directory'],
  EISDIR: ['the path is a folder, not a file', 'is_a_directory'],
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(`no route for ${req.method} ${req.path}`, 404));
};

/** The one error handler, mounted last: every failure answers the same JSON shape and the server keeps serving. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let error: HttpError;
    if (err instanceof HttpError) {
      error = err;
    } else {
      const e = err as BodyParserError;
      if (e?.type === 'entity.too.large') error = new HttpError('request body is too large', 413);
      else if (e?.type === 'entity.parse.failed') error = new HttpError('malformed JSON in request body', 400, 'malformed_json');
      else if (e?.type === 'request.aborted') error = new HttpError('request aborted', 400);
      else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) error = new HttpError(e.message, e.status);
      else if (e?.code && PATH_ERRORS[e.code]) {
        const [message, code] = PATH_ERRORS[e.code] as [string, string];
        error = new HttpError(message, 400, code);
      } else {
        log.error({ err, method: req.method, path: req.path }, 'unhandled error');
        error = new HttpError('internal server error', 500);
      }
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Refused before its body was read (401, 413, …): close rather than read on what may be trickled.
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(error.status).json(error.body());
  };
}
