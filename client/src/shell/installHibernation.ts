import { canWrite } from '../../../shared/api.js';
import type { IdeContext } from '../context.js';
import { listen, toDisposable } from '../platform/lifecycle.js';
import { h } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';
import './hibernation.css';

/** A person using the IDE is reported at most this often (the server's idle clock needs no more). */
const ACTIVITY_EVERY_MS = 30_000;

declare global {
  interface Window {
    /** Hibernation as the page sees it, for tests and debugging from the console. */
    nimbusHibernation?: { state(): 'running' | 'hibernated'; warningAt(): string | undefined };
  }
}

/**
 * Hibernation as an open page lives it: a person's keys, pointer and focus keep the workspace awake
 * (reported at most every 30 s; an idle open tab reports nothing); a countdown with "Stay awake" before
 * the workspace hibernates; and, once it has, "Hibernated — press any key or click to wake" over the
 * IDE, waking it on the next interaction, never by itself.
 */
export function installHibernation(ctx: IdeContext): void {
  const { api, workspaceId } = ctx;
  const base = `/api/workspaces/${encodeURIComponent(workspaceId)}`;
  const mayWake = canWrite(ctx.session.role);
  let state: 'running' | 'hibernated' = ctx.workspace.state === 'hibernated' ? 'hibernated' : 'running';
  let warningAt: string | undefined;
  let lastReport = 0;

  const countdown = h('span.nimbus-hib-countdown');
  const stay = h('button.nb-primary', { type: 'button' }, 'Stay awake');
  const warning = h('div.nimbus-hib-warning', { role: 'alert', hidden: true }, countdown, stay);
  const overlayText = h(
    'p',
    {},
    mayWake ? 'Hibernated — press any key or click to wake' : 'Hibernated — it wakes when someone who can edit opens it',
  );
  const overlay = h(
    'div.nimbus-hib-overlay',
    { role: 'dialog', 'aria-label': 'Workspace hibernated', hidden: true },
    h('div.nimbus-hib-card', {}, overlayText),
  );
  document.body.append(warning, overlay);

  const report = (stayAwake = false): void => {
    lastReport = Date.now();
    void api.post(`${base}/activity`, stayAwake ? { stayAwake: true, name: ctx.user.name } : {}).catch(() => undefined);
  };

  let tick: number | undefined;
  const showWarning = (at: string | undefined): void => {
    warningAt = at;
    window.clearInterval(tick);
    warning.hidden = at === undefined || state !== 'running';
    if (warning.hidden) return;
    const render = (): void => {
      const seconds = Math.max(0, Math.round((Date.parse(at as string) - Date.now()) / 1000));
      countdown.textContent = `This workspace hibernates in ${seconds} s: its terminals and functions stop.`;
    };
    render();
    tick = window.setInterval(render, 1000);
  };

  const wake = (): void => {
    if (state !== 'hibernated' || !mayWake) return;
    overlayText.textContent = 'Waking…';
    api.post(`${base}/wake`).catch((err: unknown) => {
      overlayText.textContent = 'Hibernated — press any key or click to wake';
      toast(`Could not wake the workspace: ${errorMessage(err)}`, 'error');
    });
  };

  const setState = (next: 'running' | 'hibernated'): void => {
    state = next;
    overlay.hidden = next !== 'hibernated';
    if (next === 'hibernated') {
      overlayText.textContent = mayWake
        ? 'Hibernated — press any key or click to wake'
        : 'Hibernated — it wakes when someone who can edit opens it';
      showWarning(undefined);
    }
    document.body.dataset.workspaceState = next;
  };

  stay.addEventListener('click', () => report(true));
  // A person using the page: activity for the idle clock, and the way to wake a hibernated workspace.
  const onUse = (event: Event): void => {
    if (state === 'hibernated') {
      event.preventDefault();
      event.stopPropagation();
      return wake();
    }
    if (Date.now() - lastReport >= ACTIVITY_EVERY_MS) report();
  };
  for (const type of ['keydown', 'pointerdown', 'wheel'])
    ctx.disposables.add(listen(window, type, onUse, { capture: true, passive: type === 'wheel' }));
  ctx.disposables.add(listen(window, 'focus', () => state === 'running' && Date.now() - lastReport >= ACTIVITY_EVERY_MS && report()));
  ctx.disposables.add(toDisposable(() => clearInterval(tick)));

  ctx.events.on((event) => {
    if (event.type === 'workspace') setState(event.state === 'hibernated' ? 'hibernated' : 'running');
    else if (event.type === 'hibernating') showWarning(event.at ?? undefined);
    else if (event.type === 'stay-awake') toast(`${event.by} kept the workspace awake`);
  });
  setState(state);
  window.nimbusHibernation = { state: () => state, warningAt: () => warningAt };
}
