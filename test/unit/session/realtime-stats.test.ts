/**
 * The --realtime-stats line: rate from the mean interval, min/max rates from the longest and
 * shortest interval, ticks counted once whatever the number of threads, a rolling window.
 */
import t from 'tap';
import { RealtimeStats, WINDOW_INTERVALS } from '../../../src/session/realtime-stats.js';

t.test('mean, min and max over the window', async (t) => {
  const stats = new RealtimeStats();
  t.equal(stats.line(), undefined, 'nothing before two ticks');
  for (const timeNs of [0, 0, 1_000_000, 2_000_000, 2_000_000, 4_000_000]) stats.addTick(timeNs);
  // Intervals 1, 1 and 2 ms: mean 1.333 ms.
  t.equal(stats.line(), 'Stats: 750.0Hz (1333.3µs) Min: 500.0Hz Max: 1000.0Hz N=4');
});

t.test('only the last intervals count', async (t) => {
  const stats = new RealtimeStats();
  let timeNs = 0;
  stats.addTick(timeNs);
  timeNs += 10_000_000;
  stats.addTick(timeNs);
  for (let i = 0; i < WINDOW_INTERVALS; i++) stats.addTick((timeNs += 1_000_000));
  t.equal(stats.line(), `Stats: 1000.0Hz (1000.0µs) Min: 1000.0Hz Max: 1000.0Hz N=${WINDOW_INTERVALS + 2}`);
});
