/**
 * Lambda's concurrency model ("the magical pizza", docs/lambda.md): an account limit of concurrent
 * executions; a function with reserved concurrency owns that many slices (a reservation and a cap, 0 is
 * the kill switch); every other function shares what is left, and at least `unreservedMinimum` (100 on
 * AWS) always stays unreserved. Beyond its slices an invocation is throttled at once, not queued.
 */

export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

export type Acquired = { ok: true; release: () => void } | { ok: false; reason: ThrottleReason };

export class ReservationError extends Error {}

export class Concurrency {
  private readonly reserved = new Map<string, number>();
  private readonly running = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private unreservedRunning = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly accountLimit: number,
    readonly unreservedMinimum: number,
  ) {
    if (unreservedMinimum > accountLimit) throw new Error('the unreserved minimum cannot exceed the account limit');
  }

  get totalReserved(): number {
    let sum = 0;
    for (const n of this.reserved.values()) sum += n;
    return sum;
  }

  /** Concurrency left to functions without a reservation. */
  get unreservedLimit(): number {
    return this.accountLimit - this.totalReserved;
  }

  reservedFor(name: string): number | undefined {
    return this.reserved.get(name);
  }

  /** Sets (or with undefined removes) a reservation; refuses one that leaves too little unreserved. */
  setReserved(name: string, value: number | undefined): void {
    if (value === undefined) {
      this.reserved.delete(name);
    } else {
      this.check(name, value);
      this.reserved.set(name, value);
    }
    this.wake();
  }

  private check(name: string, value: number): void {
    if (!Number.isInteger(value) || value < 0)
      throw new ReservationError('ReservedConcurrentExecutions must be a whole number of at least 0');
    const others = this.totalReserved - (this.reserved.get(name) ?? 0);
    if (this.accountLimit - others - value < this.unreservedMinimum) {
      throw new ReservationError(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.unreservedMinimum}].`,
      );
    }
  }

  /**
   * Replaces every reservation at once (a template was re-read), in the order given; the ones that would
   * leave too little unreserved are refused and returned with the reason.
   */
  resetReservations(wanted: [string, number][]): { name: string; message: string }[] {
    this.reserved.clear();
    const refused: { name: string; message: string }[] = [];
    for (const [name, value] of wanted) {
      try {
        this.check(name, value);
        this.reserved.set(name, value);
      } catch (err) {
        if (!(err instanceof ReservationError)) throw err;
        refused.push({ name, message: err.message });
      }
    }
    this.wake();
    return refused;
  }

  runningCount(name: string): number {
    return this.running.get(name) ?? 0;
  }

  /** Highest number of concurrent executions seen for a function (benchmarks assert on it). */
  peak(name: string): number {
    return this.peaks.get(name) ?? 0;
  }

  resetPeak(name: string): void {
    this.peaks.delete(name);
  }

  get unreservedInUse(): number {
    return this.unreservedRunning;
  }

  /** Takes a slice for one execution, or says why not. The release is idempotent. */
  tryAcquire(name: string): Acquired {
    const reserved = this.reserved.get(name);
    const running = this.running.get(name) ?? 0;
    let fromUnreserved = false;
    if (reserved !== undefined) {
      if (running >= reserved) return { ok: false, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' };
    } else {
      if (this.unreservedRunning >= this.unreservedLimit) return { ok: false, reason: 'ConcurrentInvocationLimitExceeded' };
      fromUnreserved = true;
      this.unreservedRunning++;
    }
    this.running.set(name, running + 1);
    if (running + 1 > (this.peaks.get(name) ?? 0)) this.peaks.set(name, running + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        if (fromUnreserved) this.unreservedRunning--;
        const now = (this.running.get(name) ?? 1) - 1;
        if (now === 0) this.running.delete(name);
        else this.running.set(name, now);
        this.wake();
      },
    };
  }

  /** Calls `listener` whenever a slice frees up or reservations change (the async queue retries then). */
  onCapacity(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
  }

  private wake(): void {
    for (const listener of [...this.waiters]) listener();
  }
}
