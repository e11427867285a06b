/**
 * Lifecycle of client resources: everything a view or feature creates (DOM listeners, sockets,
 * timers, editors, subscriptions) is a Disposable registered in a DisposableStore, and released with it.
 */
export interface Disposable {
  dispose(): void;
}

/** A Disposable from a function; disposing twice runs it once. */
export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Holds disposables and releases them all, newest first; anything added after disposal is released at once. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  /** Forgets an item without disposing it (it was released another way). */
  delete(item: Disposable): void {
    this.items.delete(item);
  }

  get size(): number {
    return this.items.size;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = [...this.items].reverse();
    this.items.clear();
    for (const item of items) {
      try {
        item.dispose();
      } catch (err) {
        console.error('disposing failed', err);
      }
    }
  }
}

/** addEventListener as a Disposable. */
export function listen<E extends Event = Event>(
  target: EventTarget,
  type: string,
  handler: (event: E) => void,
  options?: boolean | AddEventListenerOptions,
): Disposable {
  const fn = handler as EventListener;
  target.addEventListener(type, fn, options);
  return toDisposable(() => target.removeEventListener(type, fn, options));
}
