import { describe, expect, it } from 'vitest';
import { Concurrency, ReservationError } from './concurrency.js';

const take = (c: Concurrency, name: string, n: number): (() => void)[] => {
  const releases: (() => void)[] = [];
  for (let i = 0; i < n; i++) {
    const slice = c.tryAcquire(name);
    if (!slice.ok) throw new Error(`slice ${i} of ${name} refused: ${slice.reason}`);
    releases.push(slice.release);
  }
  return releases;
};

describe('concurrency follows the AWS model: an account limit, reservations that reserve and cap', () => {
  it('the default account has 1000 concurrent executions shared by unreserved functions', () => {
    const c = new Concurrency(1000, 100);
    take(c, 'a', 600);
    take(c, 'b', 400);
    expect(c.tryAcquire('c')).toEqual({ ok: false, reason: 'ConcurrentInvocationLimitExceeded' });
  });

  it('a reservation caps its function and throttles it with the reserved-function reason', () => {
    const c = new Concurrency(1000, 100);
    c.setReserved('capped', 25);
    take(c, 'capped', 25);
    expect(c.tryAcquire('capped')).toEqual({ ok: false, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    expect(c.peak('capped')).toBe(25);
  });

  it('a reservation is kept for its function even when the others use everything else', () => {
    const c = new Concurrency(1000, 100);
    c.setReserved('s3', 350);
    c.setReserved('kinesis', 200);
    expect(c.unreservedLimit).toBe(450);
    take(c, 'other', 450);
    expect(c.tryAcquire('other')).toEqual({ ok: false, reason: 'ConcurrentInvocationLimitExceeded' });
    take(c, 's3', 350);
    take(c, 'kinesis', 200);
  });

  it('reservations must leave at least the unreserved minimum (100) to everyone else', () => {
    const c = new Concurrency(1000, 100);
    c.setReserved('a', 500);
    c.setReserved('b', 400);
    expect(() => c.setReserved('c', 1)).toThrow(ReservationError);
    expect(() => c.setReserved('c', 1)).toThrow(/below its minimum value of \[100\]/);
    // Raising an existing reservation counts it once, not twice.
    c.setReserved('b', 400);
    expect(c.unreservedLimit).toBe(100);
  });

  it('reserved concurrency 0 is a kill switch', () => {
    const c = new Concurrency(1000, 100);
    c.setReserved('off', 0);
    expect(c.tryAcquire('off')).toEqual({ ok: false, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    c.setReserved('off', undefined);
    expect(c.tryAcquire('off').ok).toBe(true);
  });

  it('a released slice is free again (once, however often it is released) and wakes waiters', () => {
    const c = new Concurrency(3, 1);
    c.setReserved('r', 2);
    const [release] = take(c, 'r', 2);
    let woken = 0;
    c.onCapacity(() => woken++);
    release?.();
    release?.();
    expect(woken).toBe(1);
    expect(c.runningCount('r')).toBe(1);
    take(c, 'r', 1);
    expect(c.tryAcquire('r').ok).toBe(false);
  });

  it('an execution that started unreserved gives its slice back to the unreserved pool after a reservation', () => {
    const c = new Concurrency(3, 1);
    const [release] = take(c, 'f', 1);
    c.setReserved('f', 2);
    expect(c.unreservedInUse).toBe(1);
    release?.();
    expect(c.unreservedInUse).toBe(0);
    expect(c.runningCount('f')).toBe(0);
  });
});
