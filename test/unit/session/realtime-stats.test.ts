/**
 * The --realtime-stats line: rate from the mean interval, min/max rates from the longest and
 * shortest interval, ticks counted once whatever the number of threads, a rolling window.
 */
import t from 'tap';
import { RealtimeStats, WINDOW_INTERVALS } from '../../../src/session/realtime-stats.js';

t.test('mean, min and max over the window', async (t) => {
  const stats = new RealtimeStats();
  t.equal(stats.line(), undefined, 'nothing before any tick');
  // Two samples of one tick count once; then 98 intervals of 1 ms and one of 2 ms.
  const times = [0, 0];
  for (let i = 1; i <= 98; i++) times.push(i * 1_000_000);
  t.equal((times.forEach((timeNs) => stats.addTick(timeNs)), stats.line()), undefined, 'nothing before a full window');
  stats.addTick(100_000_000);
  stats.addTick(101_000_000);
  // 100 intervals, 101 ms: mean 1.01 ms.
  t.equal(stats.line(), 'Stats: 990.1Hz (1010.0µs) Min: 500.0Hz Max: 1000.0Hz N=101');
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
