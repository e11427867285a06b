import type { EditorArea } from '../editor/EditorArea.js';
import { DisposableStore, listen, toDisposable, type Disposable } from '../platform/lifecycle.js';
import type { PeopleSocket } from './PeopleSocket.js';

/** No keyboard or mouse for this long (or the tab hidden) shows you as idle. */
const IDLE_AFTER_MS = 60_000;
const VIEWPORT_THROTTLE_MS = 120;

/** Tells the others which file you have open, where you look, and whether you are at the keyboard. */
/** Released with the page's features (its listeners and timers). */
export function trackPresence(editor: EditorArea, people: PeopleSocket): Disposable {
  const store = new DisposableStore();
  let lastInput = Date.now();
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const publish = (): void => {
    timer = undefined;
    const file = editor.activePath ?? null;
    const range = file ? editor.activeEditor.getVisibleRanges()[0] : undefined;
    const viewport = range ? { top: range.startLineNumber, bottom: range.endLineNumber } : null;
    people.setPresence({ file, viewport, idle });
  };
  const soon = (): void => {
    timer ??= setTimeout(publish, VIEWPORT_THROTTLE_MS);
  };
  const active = (): void => {
    lastInput = Date.now();
    if (idle) {
      idle = false;
      soon();
    }
  };

  store.add(toDisposable(editor.onDidChangeActive(() => soon())));
  store.add(
    editor.forEachEditor((monacoEditor) =>
      monacoEditor.onDidScrollChange(() => {
        if (monacoEditor === editor.activeEditor) soon();
      }),
    ),
  );
  for (const type of ['keydown', 'mousedown', 'mousemove', 'wheel'] as const)
    store.add(listen(window, type, active, { passive: true, capture: true }));
  store.add(
    listen(document, 'visibilitychange', () => {
      if (document.hidden) {
        idle = true;
        soon();
      } else active();
    }),
  );
  const idleCheck = setInterval(() => {
    if (!idle && Date.now() - lastInput > IDLE_AFTER_MS) {
      idle = true;
      soon();
    }
  }, 5_000);
  store.add(
    toDisposable(() => {
      clearInterval(idleCheck);
      clearTimeout(timer);
    }),
  );
  store.add(
    toDisposable(
      people.on((event) => {
        if (event.type === 'welcome') soon();
      }),
    ),
  );
  soon();
  return store;
}
