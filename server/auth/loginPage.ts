/** The only page served without a token: self-contained, no external assets. */
export function loginPage(message: string | undefined): string {
  const note = message ? `<p class="err">${escapeHtml(message)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nimbus — sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px system-ui,sans-serif;background:#1e1e1e;color:#ddd;display:grid;place-items:center;height:100vh;margin:0}
form{background:#252526;padding:28px 32px;border-radius:8px;width:360px;box-shadow:0 4px 24px #0008}
h1{font-size:20px;margin:0 0 6px}p{color:#aaa;margin:0 0 16px}.err{color:#f48771}
input{width:100%;box-sizing:border-box;padding:8px;background:#3c3c3c;border:1px solid #555;color:#eee;border-radius:4px}
button{margin-top:12px;padding:8px 14px;background:#0e639c;color:#fff;border:0;border-radius:4px;cursor:pointer}
</style></head><body>
<form id="login"><h1>Nimbus</h1><p>Paste the access token printed by the server, or open a share link.</p>${note}
<input id="token" type="password" autocomplete="current-password" placeholder="token" aria-label="token" autofocus>
<button type="submit">Sign in</button></form>
<script>
// A cookie set during a cross-site navigation is not sent back on it (SameSite=Strict): check once from here.
fetch('/api/session').then(function (r) { if (r.ok) location.replace(location.pathname); });
document.getElementById('login').addEventListener('submit', function (e) {
  e.preventDefault();
  fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: document.getElementById('token').value }) })
    .then(function (r) { if (r.ok) location.replace(location.pathname); else alert('That token is not valid.'); });
});
</script></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
