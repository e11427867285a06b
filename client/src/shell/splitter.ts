/** A drag handle that resizes `target` along one axis and remembers the size in localStorage. */
export function makeSplitter(
  handle: HTMLElement,
  target: HTMLElement,
  options: { axis: 'x' | 'y'; key: string; min: number; max: () => number; invert?: boolean },
): void {
  const prop = options.axis === 'x' ? 'width' : 'height';
  const saved = Number(localStorage.getItem(options.key));
  if (saved > 0) target.style[prop] = `${Math.max(options.min, Math.min(saved, options.max()))}px`;
  handle.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    const start = options.axis === 'x' ? e.clientX : e.clientY;
    const startSize = target.getBoundingClientRect()[prop];
    const move = (ev: PointerEvent): void => {
      const delta = (options.axis === 'x' ? ev.clientX : ev.clientY) - start;
      const size = Math.max(options.min, Math.min(options.max(), startSize + (options.invert ? -delta : delta)));
      target.style[prop] = `${size}px`;
      window.dispatchEvent(new Event('resize'));
    };
    const up = (): void => {
      handle.removeEventListener('pointermove', move);
      localStorage.setItem(options.key, String(Math.round(target.getBoundingClientRect()[prop])));
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up, { once: true });
  });
}
