import type { ApiErrorBody } from '../../../shared/api.js';
import { withBase } from './basePath.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The REST API, authenticated by the HttpOnly session cookie. */
export class Api {
  async request<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    let payload: BodyInit | undefined;
    if (body instanceof Blob || body instanceof ArrayBuffer || typeof body === 'string') {
      payload = body;
      if (!headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers.set('content-type', 'application/json');
    }
    const res = await fetch(withBase(path), { ...init, method, headers, body: payload ?? null, credentials: 'same-origin' });
    if (!res.ok) throw await errorOf(res, method, path);
    if (res.status === 204) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('application/json') ? await res.json() : await res.text()) as T;
  }

  /**
   * A POST answered with JSON lines as the work goes (an import's progress): each line is handed to
   * `onLine` as it arrives. A refusal before the work starts is an ApiError, as for any request.
   */
  async postLines<T>(path: string, body: unknown, onLine: (line: T) => void): Promise<void> {
    const res = await fetch(withBase(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    if (!res.ok) throw await errorOf(res, 'POST', path);
    if (!res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (value) pending += value;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) onLine(JSON.parse(line) as T);
      }
      if (done) break;
    }
    if (pending.trim()) onLine(JSON.parse(pending) as T);
  }

  get = <T>(path: string): Promise<T> => this.request<T>('GET', path);
  post = <T>(path: string, body?: unknown): Promise<T> => this.request<T>('POST', path, body ?? {});
  put = <T>(path: string, body: unknown): Promise<T> => this.request<T>('PUT', path, body);
  patch = <T>(path: string, body: unknown): Promise<T> => this.request<T>('PATCH', path, body);
  del = <T>(path: string): Promise<T> => this.request<T>('DELETE', path);

  /** Raw file bytes as a Blob of the given type (images shown from an object URL). */
  async readBlob(path: string, type: string): Promise<Blob> {
    const res = await fetch(withBase(path), { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new ApiError(res.status, 'http_error', `reading failed with ${res.status}`);
    return new Blob([await res.arrayBuffer()], { type });
  }

  /** Raw file bytes as text (UTF-8). */
  async readText(path: string): Promise<string> {
    const res = await fetch(withBase(path), { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new ApiError(res.status, 'http_error', `reading failed with ${res.status}`);
    return res.text();
  }
}

/** The error of a failed answer: our JSON error's code and message, or a generic one. */
async function errorOf(res: Response, method: string, path: string): Promise<ApiError> {
  let code = 'http_error';
  let message = `${method} ${path} failed with ${res.status}`;
  try {
    const err = (await res.json()) as ApiErrorBody;
    code = err.error.code;
    message = err.error.message;
  } catch {
    // not our JSON error shape: keep the generic message
  }
  return new ApiError(res.status, code, message);
}

/** URL helpers for one workspace's file API. */
export const fileUrl = (workspaceId: string, path: string): string =>
  `/api/workspaces/${encodeURIComponent(workspaceId)}/file?path=${encodeURIComponent(path)}`;
export const filesUrl = (workspaceId: string, dir: string): string =>
  `/api/workspaces/${encodeURIComponent(workspaceId)}/files?path=${encodeURIComponent(dir)}`;
export const downloadUrl = (workspaceId: string, path: string): string =>
  `/api/workspaces/${encodeURIComponent(workspaceId)}/download?path=${encodeURIComponent(path)}`;
