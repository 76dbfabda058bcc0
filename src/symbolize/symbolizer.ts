/**
 * Turns the helper's frames (code id, instruction index) into profile frames (function, line,
 * columns). Code records arrive once per code object; their line tables are decoded lazily, once,
 * and each (code, instruction) pair is resolved once and remembered. Frames of Tachyon's own
 * launcher (see `session/launcher.ts`) are cut here, with everything that called them, so that
 * `run` shows only the user's program.
 */
import type { ProfileBuilder } from '../model/builder.js';
import { PseudoFrame } from '../model/profile.js';
import { NATIVE_INSTR_INDEX, TRUNCATION_CODE_ID, type CodeMessage } from '../protocol/messages.js';
import { PairIndex } from '../model/pair-index.js';
import { decodeForVersion, lookupLocation, type LocationTable } from './line-table.js';

/** The file name the launcher's code is compiled under; frames with it are never shown. */
export const LAUNCHER_FILENAME = '<tachyon-launcher>';

interface CodeEntry {
  record: CodeMessage;
  func: number;
  table: LocationTable | undefined;
  isLauncher: boolean;
}

/** `Symbolizer.resolve`'s answers that are not frames. */
export const CUT_LAUNCHER = -2;
export const CUT_TRUNCATED = -3;

export class UnknownCodeError extends Error {
  override name = 'UnknownCodeError';
}

export class Symbolizer {
  private readonly codes = new Map<number, CodeEntry>();
  /** (code id, instruction index) → profile frame. */
  private readonly frameCache = new PairIndex();
  private readonly truncatedFrame: number;
  private nativeFrame = -1;

  constructor(
    private readonly builder: ProfileBuilder,
    private readonly pythonVersionHex: number,
  ) {
    this.truncatedFrame = builder.pseudoFrame(PseudoFrame.truncated);
  }

  addCode(record: CodeMessage): void {
    const func = this.builder.func(record.qualname || record.name, record.filename, record.firstLine, 'python');
    this.codes.set(record.codeId, { record, func, table: undefined, isLauncher: record.filename === LAUNCHER_FILENAME });
  }

  /**
   * The profile frame for one helper frame (code id, instruction index), or one of two cuts:
   * `CUT_LAUNCHER` (a launcher frame: it and all its callers are dropped) and `CUT_TRUNCATED`
   * (the truncation marker: its callers were never sent, the stack's root is `<truncated>`, the
   * frame returned by `truncatedRoot`). Throws UnknownCodeError for a code id never announced
   * (a protocol violation).
   */
  resolve(codeId: number, instrIndex: number): number {
    if (codeId === TRUNCATION_CODE_ID) {
      if (instrIndex !== NATIVE_INSTR_INDEX) return CUT_TRUNCATED;
      if (this.nativeFrame === -1) this.nativeFrame = this.builder.pseudoFrame(PseudoFrame.native);
      return this.nativeFrame;
    }
    const code = this.codes.get(codeId);
    if (code === undefined) throw new UnknownCodeError(`sample names code id ${codeId} before its code record`);
    if (code.isLauncher) return CUT_LAUNCHER;
    return this.frame(codeId, code, instrIndex);
  }

  get truncatedRoot(): number {
    return this.truncatedFrame;
  }

  private frame(codeId: number, code: CodeEntry, instrIndex: number): number {
    // A negative index (the helper could not tell) is cached apart from every real one.
    const instrKey = instrIndex >= 0 ? Math.min(instrIndex, 0x7ffffffe) : 0x7fffffff;
    let frame = this.frameCache.get(codeId, instrKey);
    if (frame === -1) {
      code.table ??= decodeForVersion(code.record.lineTable, code.record.firstLine, this.pythonVersionHex);
      const loc = lookupLocation(code.table, instrIndex);
      // An instruction without a line (artificial code) is shown at the function's first line.
      const line = loc.line >= 0 ? loc.line : code.record.firstLine;
      frame = this.builder.frame(code.func, line, loc.line >= 0 ? loc.endLine : line, loc.column, loc.endColumn);
      this.frameCache.add(codeId, instrKey, frame);
    }
    return frame;
  }
}
