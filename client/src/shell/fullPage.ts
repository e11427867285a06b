import { h } from '../ui/dom.js';

/**
 * A page instead of the workbench, for states where the IDE cannot go on: a revoked or expired share
 * link, no session, a workspace that does not exist. Never a stale editor that pretends to reconnect.
 */
export function showFullPage(options: { title: string; message: string; links?: { label: string; href: string }[] }): void {
  const app = document.getElementById('app') as HTMLElement;
  const links = options.links?.length
    ? h('ul.nb-full-page-links', {}, ...options.links.map((l) => h('li', {}, h('a', { href: l.href }, l.label))))
    : undefined;
  app.replaceChildren(h('main.nb-full-page', { role: 'alert' }, h('h1', {}, options.title), h('p', {}, options.message), links));
  app.removeAttribute('aria-busy');
  document.title = `${options.title} — Nimbus`;
  document.body.dataset.ended = 'true';
}
