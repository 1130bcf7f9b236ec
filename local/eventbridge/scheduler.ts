/**
 * Fires scheduled rules at their times while started. Timers are re-armed after each fire, and long delays are
 * split because Node's timers overflow past about 24.8 days.
 */
import type { Clock } from "./clock";
import type { Schedule } from "./cron-expression";

const MAX_TIMER_MS = 2_147_483_647;

interface Entry {
  schedule: Schedule;
  fire: (scheduledTime: number) => void;
  timer?: unknown;
}

export class RuleScheduler {
  private readonly entries = new Map<string, Entry>();
  private running = false;

  constructor(private readonly clock: Clock) {}

  /** Registers a schedule under a key; it is armed now if the scheduler runs, else on start(). */
  add(key: string, schedule: Schedule, fire: (scheduledTime: number) => void): void {
    this.remove(key);
    const entry: Entry = { schedule, fire };
    this.entries.set(key, entry);
    if (this.running) this.arm(entry, this.clock.now());
  }

  remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.disarm(entry);
    this.entries.delete(key);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock.now();
    for (const entry of this.entries.values()) this.arm(entry, now);
  }

  stop(): void {
    this.running = false;
    for (const entry of this.entries.values()) this.disarm(entry);
  }

  private arm(entry: Entry, after: number): void {
    const due = entry.schedule.next(after);
    if (due !== undefined) this.wait(entry, due);
  }

  private wait(entry: Entry, due: number): void {
    const delay = Math.min(Math.max(due - this.clock.now(), 0), MAX_TIMER_MS);
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      if (!this.running) return;
      if (this.clock.now() < due) return this.wait(entry, due);
      // Re-arm from now, so a stalled process does not replay every missed fire
      this.arm(entry, Math.max(due, this.clock.now()));
      entry.fire(due);
    }, delay);
  }

  private disarm(entry: Entry): void {
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
  }
}
