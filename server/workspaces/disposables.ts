/** Something holding a resource (pty, socket, Y.Doc, watcher, child process) that must be released. */
export interface Disposable {
  dispose(): void | Promise<void>;
}

/**
 * Resources registered when they are created; disposing the store walks them newest first.
 * Hibernation and shutdown release a workspace by disposing its store — nothing else to remember.
 */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  get size(): number {
    return this.items.size;
  }

  /** Registers a resource; returns a handle that unregisters and disposes just that one. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      void item.dispose();
      throw new Error('cannot register a resource on a disposed store');
    }
    this.items.add(item);
    return item;
  }

  /** Forgets a resource that released itself (a pty that exited, a socket that closed). */
  delete(item: Disposable): void {
    this.items.delete(item);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const items = [...this.items].reverse();
    this.items.clear();
    const results = await Promise.allSettled(items.map(async (item) => item.dispose()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

export const toDisposable = (fn: () => void | Promise<void>): Disposable => ({ dispose: fn });
