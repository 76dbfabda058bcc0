/**
 * Reading a capture file from disk: the one I/O edge of replay. `loadCaptureProfile(path)` turns
 * any capture (tachyon's `--binary` file, or a helper stream written without the orchestrator)
 * into a Profile, the same one the live run built; errors are TachyonErrors with a hint.
 */
import { readFileSync } from 'node:fs';
import { ExitCode, TachyonError } from '../session/errors.js';
import { CaptureFormatError, openCapture, type OpenedCapture } from './format.js';
import { replayCapture, type ReplayResult } from './replay.js';

export interface LoadedCapture extends ReplayResult {
  capture: Omit<OpenedCapture, 'stream'>;
  fileSizeBytes: number;
  streamSizeBytes: number;
}

export function readCaptureFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TachyonError(ExitCode.fileError, `capture file not found: ${file}`, 'give the path of a file written by --binary');
    if (code === 'EISDIR') throw new TachyonError(ExitCode.fileError, `${file} is a directory, not a capture file`, 'give the path of a file written by --binary');
    throw new TachyonError(ExitCode.fileError, `cannot read ${file} (${code ?? String(error)})`, 'check the file\'s permissions');
  }
}

/** Opens and replays a capture; `toolVersion` stands in for a helper stream that carries none. */
export function loadCapture(file: string, toolVersion: string): LoadedCapture {
  const data = readCaptureFile(file);
  try {
    const opened = openCapture(data);
    const result = replayCapture(opened, toolVersion);
    const { stream, ...capture } = opened;
    return { ...result, capture, fileSizeBytes: data.length, streamSizeBytes: stream.length };
  } catch (error) {
    if (error instanceof CaptureFormatError) throw new TachyonError(ExitCode.fileError, `cannot replay ${file}: ${error.message}`, error.hint);
    throw error;
  }
}

/** Any capture file as a Profile (for --diff-flamegraph baselines and the like). */
export function loadCaptureProfile(file: string, toolVersion = 'unknown'): LoadedCapture['profile'] {
  return loadCapture(file, toolVersion).profile;
}
