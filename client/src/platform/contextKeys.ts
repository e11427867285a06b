import { Emitter } from './event.js';
import { DisposableStore, listen, type Disposable } from './lifecycle.js';

/**
 * Context keys: named values that `when` clauses of commands and keybindings test, as in VS Code
 * (`editorFocus && !inputFocus`, `workspaceState == 'running'`).
 *
 * Focus keys come from the DOM: a part of the workbench marks its root with `data-nb-focus="<key>"`,
 * and the key is true while the focused element is inside it. `inputFocus` is true in a text field
 * that is not an editor or terminal (their own keys win there).
 */
export class ContextKeyService implements Disposable {
  private readonly values = new Map<string, unknown>();
  private readonly focusKeys = new Set<string>();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly store = new DisposableStore();

  constructor(private readonly doc: Document = document) {
    this.store.add(listen(doc, 'focusin', () => this.updateFocus(), true));
    this.store.add(listen(doc, 'focusout', () => queueMicrotask(() => this.updateFocus()), true));
    this.updateFocus();
  }

  set(key: string, value: unknown): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    this.changed.fire();
  }

  get(key: string): unknown {
    return this.focusKeys.has(key) ? true : this.values.get(key);
  }

  /** Whether a `when` clause holds now (no clause: always). */
  evaluate(when: string | undefined): boolean {
    if (!when) return true;
    return compile(when)((key) => this.get(key));
  }

  /** Recomputes the focus keys from document.activeElement. */
  updateFocus(): void {
    const next = new Set<string>();
    const active = this.doc.activeElement;
    for (let el: Element | null = active; el; el = el.parentElement) {
      const key = el instanceof HTMLElement ? el.dataset.nbFocus : undefined;
      if (key) next.add(key);
    }
    const inOwnKeys = next.has('editorFocus') || next.has('terminalFocus');
    if (
      !inOwnKeys &&
      active instanceof HTMLElement &&
      (active.isContentEditable || active.matches('input:not([type=checkbox]):not([type=radio]):not([type=button]), textarea, select'))
    ) {
      next.add('inputFocus');
    }
    if (next.size === this.focusKeys.size && [...next].every((k) => this.focusKeys.has(k))) return;
    this.focusKeys.clear();
    for (const k of next) this.focusKeys.add(k);
    this.changed.fire();
  }

  dispose(): void {
    this.store.dispose();
    this.changed.dispose();
  }
}

type Lookup = (key: string) => unknown;
type Expr = (lookup: Lookup) => boolean;
const compiled = new Map<string, Expr>();

/** Compiles a `when` clause: keys, `!`, `&&`, `||`, parentheses, `key == 'value'`, `key != value`. */
export function compile(when: string): Expr {
  let expr = compiled.get(when);
  if (!expr) {
    expr = parse(when);
    compiled.set(when, expr);
  }
  return expr;
}

function parse(source: string): Expr {
  const tokens = source.match(/\s*(&&|\|\||==|!=|!|\(|\)|'[^']*'|[\w.\-]+)\s*/g)?.map((t) => t.trim()) ?? [];
  if (tokens.join('').replace(/\s/g, '') !== source.replace(/\s/g, '')) throw new Error(`cannot parse the when clause "${source}"`);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`the when clause "${source}" ends too soon`);
    return t;
  };
  const value = (t: string): unknown =>
    t.startsWith("'") ? t.slice(1, -1) : t === 'true' ? true : t === 'false' ? false : /^\d+$/.test(t) ? Number(t) : t;
  const primary = (): Expr => {
    const t = next();
    if (t === '!') {
      const inner = primary();
      return (l) => !inner(l);
    }
    if (t === '(') {
      const inner = or();
      if (next() !== ')') throw new Error(`missing ) in "${source}"`);
      return inner;
    }
    if (peek() === '==' || peek() === '!=') {
      const op = next();
      const expected = value(next());
      return op === '==' ? (l) => l(t) === expected : (l) => l(t) !== expected;
    }
    return (l) => Boolean(l(t));
  };
  /** `operand (op operand)*`, left to right. */
  const chain = (op: '&&' | '||', operand: () => Expr): Expr => {
    let left = operand();
    while (peek() === op) {
      i++;
      const a = left;
      const b = operand();
      left = op === '&&' ? (l) => a(l) && b(l) : (l) => a(l) || b(l);
    }
    return left;
  };
  const and = (): Expr => chain('&&', primary);
  const or = (): Expr => chain('||', and);
  const result = or();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in the when clause "${source}"`);
  return result;
}
