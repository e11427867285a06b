/**
 * The path Nimbus is served under: `''` at the root, `/ide` behind a reverse proxy. The server writes it
 * into the page (`<meta name="nimbus-base-path">`); every URL the client makes starts with it.
 */
export const BASE_PATH = document.querySelector<HTMLMetaElement>('meta[name="nimbus-base-path"]')?.content ?? '';

/** A server path (`/api/…`, `/w/…`) under the base path; one that already is, or a relative one, as it is. */
export function withBase(path: string): string {
  if (!path.startsWith('/') || path.startsWith('//')) return path;
  if (BASE_PATH && (path === BASE_PATH || path.startsWith(`${BASE_PATH}/`))) return path;
  return `${BASE_PATH}${path}`;
}

/** The WebSocket URL of a server path, on this page's host and scheme. */
export function socketUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${withBase(path)}`;
}

/** The path of this page below the base path (`/w/default`). */
export function pagePath(): string {
  const p = location.pathname;
  return BASE_PATH && p.startsWith(BASE_PATH) ? p.slice(BASE_PATH.length) || '/' : p;
}
