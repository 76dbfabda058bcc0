/** Option values: the sampling-rate syntax, durations, PIDs, formats and pstats options. */
import t from 'tap';
import { chooseFormat, parseDurationSeconds, parseLimit, parseMode, parsePid, parseSamplingRate, parseSort } from '../../../src/commands/options.js';
import { ExitCode, TachyonError } from '../../../src/session/errors.js';

t.test('sampling rates', async (t) => {
  t.equal(parseSamplingRate('10000'), 10000);
  t.equal(parseSamplingRate('10khz'), 10000);
  t.equal(parseSamplingRate('10k'), 10000);
  t.equal(parseSamplingRate(' 1KHZ '), 1000);
  t.equal(parseSamplingRate('250hz'), 250);
  t.equal(parseSamplingRate('2.5k'), 2500);
  for (const bad of ['10 khz', 'fast', '-5', '1e3', '']) t.throws(() => parseSamplingRate(bad), /invalid sampling rate/, bad);
  t.throws(() => parseSamplingRate('0'), /must be positive/);
  t.throws(() => parseSamplingRate('1mhz'), /invalid/);
  t.throws(() => parseSamplingRate('300k'), /above the maximum/);
  try {
    parseSamplingRate('x');
  } catch (error) {
    t.ok(error instanceof TachyonError && error.exitCode === ExitCode.usage && error.hint !== undefined, 'usage error with a hint');
  }
});

t.test('durations, pids, limits, sorts', async (t) => {
  t.equal(parseDurationSeconds('2.5'), 2.5);
  t.throws(() => parseDurationSeconds('0'), /invalid duration/);
  t.throws(() => parseDurationSeconds('soon'), /invalid duration/);
  t.equal(parsePid('123'), 123);
  t.throws(() => parsePid('12a'), /invalid PID/);
  t.throws(() => parsePid('0'), /invalid PID/);
  t.equal(parseLimit('5'), 5);
  t.throws(() => parseLimit('-1'), /invalid --limit/);
  t.equal(parseSort('cumtime'), 'cumtime');
  t.throws(() => parseSort('calls'), /invalid --sort 'calls'/);
  const hint = (() => {
    try {
      parseSort('calls');
    } catch (error) {
      return (error as TachyonError).hint;
    }
  })();
  t.match(hint, /choose one of: nsamples, tottime/);
});

t.test('modes', async (t) => {
  t.equal(parseMode('cpu'), 'cpu');
  t.equal(parseMode('exception'), 'exception');
  t.throws(() => parseMode('CPU'), /invalid --mode 'CPU'/);
});

t.test('formats', async (t) => {
  t.equal(chooseFormat({}), 'pstats');
  t.equal(chooseFormat({ collapsed: true }), 'collapsed');
  t.throws(() => chooseFormat({ pstats: true, collapsed: true }), /cannot be combined/);
  t.throws(() => chooseFormat({ collapsed: true, sort: 'name' }), /--sort only apply to --pstats/);
  t.throws(() => chooseFormat({ collapsed: true, summary: false }), /--no-summary/);
});
