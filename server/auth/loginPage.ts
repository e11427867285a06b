import { contentSecurityPolicy } from '../http/index.js';

const LOGIN_SCRIPT = `// A cookie set during a cross-site navigation is not sent back on it (SameSite=Strict): check once from here.
var base = document.documentElement.getAttribute('data-base') || '';
fetch(base + '/api/session').then(function (r) { if (r.ok) location.replace(location.pathname); });
document.getElementById('login').addEventListener('submit', function (e) {
  e.preventDefault();
  fetch(base + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: document.getElementById('token').value }) })
    .then(function (r) { if (r.ok) location.replace(location.pathname); else alert('That token is not valid.'); });
});
`;

/** The login page's policy: its one inline script is allowed by hash. */
export const LOGIN_PAGE_CSP = contentSecurityPolicy(LOGIN_SCRIPT);

const STYLE = `body{font:15px system-ui,sans-serif;background:#1e1e1e;color:#ddd;display:grid;place-items:center;height:100vh;margin:0}
form{background:#252526;padding:28px 32px;border-radius:8px;width:360px;box-shadow:0 4px 24px #0008}
h1{font-size:20px;margin:0 0 6px}p{color:#aaa;margin:0 0 16px}.err{color:#f48771}
input{width:100%;box-sizing:border-box;padding:8px;background:#3c3c3c;border:1px solid #555;color:#eee;border-radius:4px}
button{margin-top:12px;padding:8px 14px;background:#0e639c;color:#fff;border:0;border-radius:4px;cursor:pointer}
a.secondary{display:inline-block;margin:12px 0 0 8px;padding:8px 14px;background:#3c3c3c;color:#fff;border-radius:4px;text-decoration:none}
form[hidden]{display:none}`;

/** The only page served without a token: self-contained, no external assets. `basePath`: where Nimbus is served. */
export function loginPage(message: string | undefined, basePath = ''): string {
  const note = message ? `<p class="err">${escapeHtml(message)}</p>` : '';
  return `<!doctype html>
<html lang="en" data-base="${escapeHtml(basePath)}"><head><meta charset="utf-8"><title>Nimbus — sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head><body>
<form id="login"><h1>Nimbus</h1><p>Paste the access token printed by the server, or open a share link.</p>${note}
<input id="token" type="password" autocomplete="current-password" placeholder="token" aria-label="token" autofocus>
<button type="submit">Sign in</button></form>
<script>
${LOGIN_SCRIPT}</script></body></html>`;
}

const SHARE_SCRIPT = `// Sent here by a link from elsewhere: the owner's cookie did not come along (SameSite=Strict), so ask
// from this page, where it does, whether following the link would sign the owner out.
fetch((document.documentElement.getAttribute('data-base') || '') + '/api/session').then(function (r) { return r.ok ? r.json() : undefined; }).then(function (s) {
  var form = document.getElementById('switch');
  if (s && s.role === 'owner') form.hidden = false; else form.submit();
});
`;

/** The share-link page's policy: its one inline script is allowed by hash. */
export const SHARE_PAGE_CSP = contentSecurityPolicy(SHARE_SCRIPT);

/**
 * Opening a share link while signed in as the owner would sign the owner out in this browser, and any
 * page can send the owner to such a link: the owner is asked first. With `ask`, the server saw the
 * owner's session and the page asks at once (no script); otherwise the page finds out itself and goes
 * straight on for anyone who is not the owner.
 */
export function sharePage(token: string, next: string, what: string, ask: boolean, basePath = ''): string {
  return `<!doctype html>
<html lang="en" data-base="${escapeHtml(basePath)}"><head><meta charset="utf-8"><title>Nimbus — open a share link</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head><body>
<form id="switch" method="post" action="${escapeHtml(basePath)}/login/share"${ask ? '' : ' hidden'}><h1>Open this share link?</h1>
<p>You are signed in as the owner. This link opens ${escapeHtml(what)}. Opening it signs you out as the owner in this browser.</p>
<input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Open as the link's guest</button><a class="secondary" href="${escapeHtml(next)}">Stay the owner</a></form>
${ask ? '' : `<script>${SHARE_SCRIPT}</script>`}</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
