/**
 * A most-recently-used list of strings kept in localStorage (recent commands, recent files): newest
 * first, at most `max`, anything that is not a list of strings read as empty.
 */
export class RecentList {
  constructor(
    private readonly key: string,
    private readonly max: number,
  ) {}

  read(): string[] {
    try {
      const list: unknown = JSON.parse(localStorage.getItem(this.key) ?? '[]');
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Puts `item` first (moving it if it was there). */
  add(item: string): void {
    localStorage.setItem(this.key, JSON.stringify([item, ...this.read().filter((x) => x !== item)].slice(0, this.max)));
  }
}
