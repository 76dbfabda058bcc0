/**
 * Writes a `--binary` capture while sampling: the header at once, then every chunk of the
 * helper's stdout through the compressor into the file, flushed about once a second, so a run
 * that never finishes (the machine died) still leaves a file that replays up to its last flush.
 * It is a listener of the sampling session: chunks in, and at the end the file is closed, or
 * removed if the session never attached.
 */
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { cannotWrite } from '../session/errors.js';
import type { SamplingListener, SamplingOutcome } from '../session/sampling-session.js';
import { createCompressor, encodeCaptureHeader, type CaptureMeta, type Compression } from './format.js';

const FLUSH_INTERVAL_MS = 1000;

/** `--binary`'s file name when -o names none (the stdlib's rule: `<format>_<pid>.<ext>`). */
export function defaultCaptureFileName(pid: number): string {
  return `binary_${pid}.bin`;
}

export class CaptureWriter implements SamplingListener {
  private readonly fd: number;
  private readonly compressor;
  private readonly flushTimer: NodeJS.Timeout | undefined;
  private readonly closed: Promise<void>;
  private writeError: Error | undefined;
  /** What close() threw at the session's end, rethrown by written(). */
  private closeError: unknown;
  streamBytes = 0;
  fileBytes = 0;

  constructor(
    readonly file: string,
    meta: CaptureMeta,
    readonly compression: Compression,
  ) {
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.fd = openSync(file, 'w');
    } catch (error) {
      throw cannotWrite(file, (error as NodeJS.ErrnoException).code ?? String(error));
    }
    this.writeBytes(encodeCaptureHeader(meta, compression));
    this.compressor = createCompressor(compression);
    const compressor = this.compressor;
    if (compressor === undefined) {
      this.closed = Promise.resolve();
      return;
    }
    compressor.on('data', (chunk: Buffer) => this.writeBytes(chunk));
    this.closed = new Promise((resolve) => {
      compressor.once('end', () => resolve());
      compressor.once('error', (error) => {
        this.writeError ??= error;
        resolve();
      });
    });
    this.flushTimer = setInterval(() => compressor.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
  }

  private writeBytes(bytes: Buffer): void {
    if (this.writeError !== undefined) return;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done);
      this.fileBytes += bytes.length;
    } catch (error) {
      this.writeError = error as Error;
    }
  }

  /** One chunk of the helper's stdout, as it arrived. */
  push(chunk: Buffer): void {
    this.streamBytes += chunk.length;
    if (this.compressor === undefined) this.writeBytes(chunk);
    else this.compressor.write(chunk);
  }

  /** Ends the compressed stream and closes the file; throws a TachyonError if any write failed. */
  async close(): Promise<void> {
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    this.compressor?.end();
    await this.closed;
    closeSync(this.fd);
    if (this.writeError !== undefined) {
      const reason = (this.writeError as NodeJS.ErrnoException).code ?? this.writeError.message;
      throw cannotWrite(this.file, reason, 'check the free space and permissions of its directory');
    }
  }

  onChunk(chunk: Buffer): void {
    this.push(chunk);
  }

  /** The session ended: close the file, or remove it when nothing was sampled. A failed close is thrown by written(). */
  async onEnd(outcome: SamplingOutcome): Promise<void> {
    if (!outcome.attached) return this.discard();
    await this.close().catch((error: unknown) => {
      this.closeError = error;
    });
  }

  /** The lines that say where the capture went, once onEnd closed it; throws the close's TachyonError if it failed. */
  written(sampleCount: number): string[] {
    if (this.closeError !== undefined) throw this.closeError;
    const why = this.compression === 'zstd' ? 'zstd' : `${this.compression} (this Node ${process.version} has no zstd)`;
    return [
      `Binary capture written to ${this.file} (${sampleCount} samples)`,
      `  ${this.fileBytes} bytes on disk for ${this.streamBytes} bytes of helper stream; compression: ${why}; turn it into any report with: tachyon replay ${this.file} --pstats|--collapsed|--gecko|…`,
    ];
  }

  /** For a run that never attached: closes and removes the file, which holds no sample. */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    try {
      unlinkSync(this.file);
    } catch {
      // Already gone.
    }
  }
}
