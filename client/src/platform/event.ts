import { toDisposable, type Disposable } from './lifecycle.js';

/** Subscribing returns the Disposable that unsubscribes. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** A typed event source: `event` is handed out, `fire` is kept by the owner. */
export class Emitter<T> implements Disposable {
  private readonly listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    // Wrapped, so one function subscribed twice is two subscriptions.
    const entry = (value: T): void => listener(value);
    this.listeners.add(entry);
    return toDisposable(() => this.listeners.delete(entry));
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        console.error('an event listener failed', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
