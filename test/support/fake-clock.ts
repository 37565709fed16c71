/**
 * A virtual Clock for the polling loop: `setTimeout` records the delay it is asked for and, in
 * automatic mode, fires on the next macrotask after moving `now` forward by exactly that delay.
 * No test ever waits in real time. Manual mode leaves timers pending until `advance()`, so a test
 * can abort while the loop sleeps and check that no timer is left behind.
 */
import type { Clock } from "../../src/clock.ts";

// Captured at load, so a test that fakes the global timers cannot stall this clock.
const realSetImmediate = globalThis.setImmediate;

interface Timer {
  at: number;
  callback: () => void;
}

export interface FakeClockOptions {
  /** Initial epoch milliseconds. Default: a fixed instant, so results do not depend on the date. */
  start?: number;
  /** Fire timers by themselves (default) or only on `advance()`. */
  auto?: boolean;
  /** What `random()` returns; a function to vary it. Default 0.5. */
  random?: number | (() => number);
  /** More timers than this is a runaway loop: `setTimeout` throws. Default 500. */
  maxTimers?: number;
}

export class FakeClock implements Clock {
  /** Every delay requested, in milliseconds, in order. */
  readonly delays: number[] = [];
  private current: number;
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;
  private readonly auto: boolean;
  private readonly randomSource: () => number;
  private readonly maxTimers: number;
  private readonly waiters: (() => void)[] = [];

  constructor(options: FakeClockOptions = {}) {
    this.current = options.start ?? Date.UTC(2030, 0, 1);
    this.auto = options.auto ?? true;
    const random = options.random ?? 0.5;
    this.randomSource = typeof random === "function" ? random : () => random;
    this.maxTimers = options.maxTimers ?? 500;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    if (this.delays.length >= this.maxTimers) {
      throw new Error(`FakeClock: more than ${this.maxTimers} timers, the loop does not end`);
    }
    this.delays.push(ms);
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + ms, callback });
    for (const wake of this.waiters.splice(0)) wake();
    if (this.auto) realSetImmediate(() => this.fire(id));
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  random(): number {
    return this.randomSource();
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Resolves as soon as a timer is pending. */
  whenTimerPending(): Promise<void> {
    if (this.timers.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Manual mode: fires the earliest pending timer, moving `now` to its due time. */
  advance(): void {
    const [first] = [...this.timers.entries()].sort(([, a], [, b]) => a.at - b.at);
    if (!first) throw new Error("FakeClock: no pending timer");
    this.fire(first[0]);
  }

  private fire(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return; // cleared meanwhile
    this.timers.delete(id);
    this.current = Math.max(this.current, timer.at);
    timer.callback();
  }
}
