import type { Disposable, DisposableStore } from '../workspaces/index.js';

/**
 * A re-armable timeout that is registered in the workspace's disposables while it is pending, so
 * hibernation and shutdown cancel it like any other resource (and a hibernated workspace has none).
 */
export class RegisteredTimer implements Disposable {
  private handle: NodeJS.Timeout | undefined;
  private ms = 0;

  constructor(
    private readonly registry: DisposableStore,
    private readonly fire: () => void,
  ) {}

  get armed(): boolean {
    return this.handle !== undefined;
  }

  arm(ms: number): void {
    // Re-armed on every keystroke (write debounce): restarting the same timer allocates nothing.
    if (this.handle && ms === this.ms) {
      this.handle.refresh();
      return;
    }
    if (this.handle) clearTimeout(this.handle);
    else {
      if (this.registry.isDisposed) return;
      this.registry.add(this);
    }
    this.ms = ms;
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.registry.delete(this);
      this.fire();
    }, ms);
  }

  cancel(): void {
    if (!this.handle) return;
    clearTimeout(this.handle);
    this.handle = undefined;
    this.registry.delete(this);
  }

  dispose(): void {
    this.cancel();
  }
}
