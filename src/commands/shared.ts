/**
 * Options and plumbing shared by the sampling commands (`run`, `attach`): the commander option
 * declarations, with their help texts, and the translation of parsed flags into RecordOptions.
 */
import { Option, type Command } from 'commander';
import type { Environment } from '../config/env.js';
import { findHelper } from '../session/helper-path.js';
import { PSTATS_SORT_KEYS } from '../output/pstats.js';
import { OUTPUT_FORMATS, OUTPUT_FORMAT_NAMES } from '../output/index.js';
import { checkBlocking, chooseFormat, parseDurationSeconds, parseLimit, parseMode, parseSamplingRate, parseSort } from './options.js';
import { needsCpuState } from '../model/modes.js';
import type { RecordOptions } from './record.js';

export interface SamplingFlags {
  samplingRate: string;
  duration?: string;
  allThreads?: boolean;
  mode?: string;
  /** false with --no-gc. */
  gc?: boolean;
  realtimeStats?: boolean;
  blocking?: boolean;
  native?: boolean;
  output?: string;
  /** One boolean per output format, set by its `--<format>` flag. */
  [format: string]: unknown;
  sort?: string;
  limit?: string;
  summary?: boolean;
  verbose?: boolean;
}

export interface CommandContext {
  env: Environment;
  toolVersion: string;
  /** Whether stdout is a terminal (colour in the pstats table). */
  stdoutIsTty: boolean;
  warn(line: string): void;
}

export function addSamplingOptions(command: Command): Command {
  command
    .option('-r, --sampling-rate <rate>', 'samples per second: 1000, 10khz, 10k (max 200khz)', '1khz')
    .option('-d, --duration <seconds>', 'stop after this many seconds (default: until the target exits or Ctrl-C)')
    .option('-a, --all-threads', 'sample every thread (default: only the main thread)')
    .option('--mode <mode>', 'which samples to keep: wall (all), cpu (threads on a CPU), gil (the thread holding the GIL), exception (threads handling an exception)', 'wall')
    .option('--no-gc', 'leave out the <GC> frame shown on top of stacks while the garbage collector runs')
    .option('--blocking', 'stop every thread of the target around each sample (ptrace) for fully consistent stacks; at most 1 kHz; the target is never left stopped')
    .option('--native', 'show a <native> frame where C code called into Python (CPython 3.12+; before, C calls leave no trace in the stack)')
    .option('--realtime-stats', 'show a live line on stderr with the achieved sampling rate and the mean/min/max interval between samples')
    .option('-o, --output <path>', 'write the report here (a directory gets the default file name); pstats writes a binary file pstats.Stats() loads');
  for (const name of OUTPUT_FORMAT_NAMES) command.option(`--${name}`, OUTPUT_FORMATS[name].flagHelp);
  return command
    .addOption(new Option('--sort <key>', `pstats sort order: ${PSTATS_SORT_KEYS.join(', ')} (default: nsamples)`))
    .option('-l, --limit <rows>', 'pstats rows to print (default: 15)')
    .option('--no-summary', 'pstats: leave out the summary of interesting functions')
    .option('-v, --verbose', 'show what the helper does (its stderr) while sampling');
}

/** Checks every flag before anything starts; the PID is added once the target is known. */
export function recordOptionsFrom(flags: SamplingFlags, context: CommandContext, argv: string[]): Omit<RecordOptions, 'pid'> {
  const rateHz = parseSamplingRate(flags.samplingRate);
  const durationMs = flags.duration !== undefined ? Math.round(parseDurationSeconds(flags.duration) * 1000) : undefined;
  const format = chooseFormat(flags);
  const mode = parseMode(flags.mode ?? 'wall');
  if (flags.blocking === true) checkBlocking(rateHz, mode);
  const color = context.env.forceColor || (!context.env.noColor && context.stdoutIsTty);
  return {
    helperPath: findHelper(context.env, context.warn),
    rateHz,
    durationMs,
    allThreads: flags.allThreads === true,
    cpuState: needsCpuState(mode),
    mode,
    gc: flags.gc !== false,
    realtimeStats: flags.realtimeStats === true,
    blocking: flags.blocking === true,
    native: flags.native === true,
    verbose: flags.verbose === true,
    argv,
    toolVersion: context.toolVersion,
    format,
    output: flags.output,
    outputOptions: {
      pstats: {
        sort: flags.sort !== undefined ? parseSort(flags.sort) : 'nsamples',
        limit: flags.limit !== undefined ? parseLimit(flags.limit) : 15,
        summary: flags.summary !== false,
        color: color && flags.output === undefined,
      },
    },
  };
}
