/**
 * `--realtime-stats`: the achieved sampling rate and the mean, min and max interval between
 * ticks over a rolling window of the last 100 intervals, as one live line, in the stdlib
 * profiler's format (`Stats: <mean>Hz (<µs>µs) Min: <Hz> Max: <Hz> N=<ticks>`). RealtimeStats is
 * pure: it is given tick times and returns the line. RealtimeStatsLine is the sampling session's
 * listener that feeds it and hands the line, at most once a second of helper time, to a callback.
 */
import { MessageKind, type Message } from '../protocol/messages.js';
import type { SamplingListener } from './sampling-session.js';

/** Intervals in the rolling window; no line is shown before it is full, since the first few, around attaching, are not the rate. */
export const WINDOW_INTERVALS = 100;

export class RealtimeStats {
  private readonly intervalsNs: number[] = [];
  private next = 0;
  private lastTickNs: number | undefined;
  ticks = 0;

  /** A tick at `timeNs`; several samples of one tick share its time and count once. */
  addTick(timeNs: number): void {
    if (timeNs === this.lastTickNs) return;
    if (this.lastTickNs !== undefined && timeNs > this.lastTickNs) {
      const interval = timeNs - this.lastTickNs;
      if (this.intervalsNs.length < WINDOW_INTERVALS) this.intervalsNs.push(interval);
      else this.intervalsNs[this.next] = interval;
      this.next = (this.next + 1) % WINDOW_INTERVALS;
    }
    this.lastTickNs = timeNs;
    this.ticks++;
  }

  /** The live line, or undefined before the window is full. */
  line(): string | undefined {
    if (this.intervalsNs.length < WINDOW_INTERVALS) return undefined;
    const meanNs = this.intervalsNs.reduce((a, b) => a + b, 0) / this.intervalsNs.length;
    const hz = (ns: number): string => (1e9 / ns).toFixed(1);
    // The shortest interval is the highest rate.
    return `Stats: ${hz(meanNs)}Hz (${(meanNs / 1000).toFixed(1)}µs) Min: ${hz(Math.max(...this.intervalsNs))}Hz Max: ${hz(Math.min(...this.intervalsNs))}Hz N=${this.ticks}`;
  }
}

/** How often the live line is rewritten, in helper time. */
const REALTIME_STATS_INTERVAL_NS = 1e9;

export class RealtimeStatsLine implements SamplingListener {
  private readonly stats = new RealtimeStats();
  private nextStatusNs = 0;

  /** `status` rewrites the live line; undefined clears it. */
  constructor(private readonly status: (line: string | undefined) => void) {}

  onMessage(message: Message): void {
    if (message.kind !== MessageKind.sample && message.kind !== MessageKind.sample_failed) return;
    this.stats.addTick(message.timeNs);
    if (message.timeNs < this.nextStatusNs) return;
    const line = this.stats.line();
    if (line === undefined) return;
    this.status(line);
    this.nextStatusNs = message.timeNs + REALTIME_STATS_INTERVAL_NS;
  }

  onEnd(): void {
    this.status(undefined);
  }
}
