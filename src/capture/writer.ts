/**
 * Writes a `--binary` capture while sampling: the header at once, then every chunk of the
 * helper's stdout through the compressor into the file, flushed about once a second, so a run
 * that never finishes (the machine died) still leaves a file that replays up to its last flush.
 */
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { cannotWrite } from '../session/errors.js';
import { createCompressor, encodeCaptureHeader, type CaptureMeta, type Compression } from './format.js';

const FLUSH_INTERVAL_MS = 1000;

export class CaptureWriter {
  private readonly fd: number;
  private readonly compressor;
  private readonly flushTimer: NodeJS.Timeout | undefined;
  private readonly closed: Promise<void>;
  private writeError: Error | undefined;
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
