/**
 * Decodes CPython line tables into address ranges with lines (and columns where the table has
 * them), so that a frame's instruction index becomes a source position. Pure and version-aware:
 * `co_lnotab` (up to 3.9), the 3.10 `co_linetable` and the 3.11+ location table. Which unit the
 * instruction index is in per version is settled here too (see `lookupLocation`). Caching per
 * code object is the symbolizer's job (`symbolizer.ts`).
 */

/** A source position; -1 marks a value the table does not know. Columns are UTF-8 byte offsets. */
export interface SourceLocation {
  line: number;
  endLine: number;
  column: number;
  endColumn: number;
}

/** Ranges sorted by start, in the unit the version's table uses (bytes before 3.11, code units after). */
export interface LocationTable {
  start: Int32Array;
  end: Int32Array;
  line: Int32Array;
  endLine: Int32Array;
  column: Int32Array;
  endColumn: Int32Array;
  length: number;
  firstLine: number;
  /** Multiplier from a frame's instruction index (code units) to the table's unit. */
  unitBytes: 1 | 2;
}

/** Tables longer than this many entries are cut (a defence against corrupt input, not a real limit). */
const TABLE_ENTRIES_MAX = 1 << 20;

class RangeCollector {
  start: number[] = [];
  end: number[] = [];
  line: number[] = [];
  endLine: number[] = [];
  column: number[] = [];
  endColumn: number[] = [];
  push(start: number, end: number, line: number, endLine: number, column: number, endColumn: number): void {
    this.start.push(start);
    this.end.push(end);
    this.line.push(line);
    this.endLine.push(endLine);
    this.column.push(column);
    this.endColumn.push(endColumn);
  }
  finish(firstLine: number, unitBytes: 1 | 2): LocationTable {
    return {
      start: Int32Array.from(this.start),
      end: Int32Array.from(this.end),
      line: Int32Array.from(this.line),
      endLine: Int32Array.from(this.endLine),
      column: Int32Array.from(this.column),
      endColumn: Int32Array.from(this.endColumn),
      length: this.start.length,
      firstLine,
      unitBytes,
    };
  }
}

/**
 * The 3.11+ location table (CPython's Objects/locations.md): entries of a header byte (bit 7 set,
 * code in bits 3-6, length-1 in code units in bits 0-2) and varint payloads.
 */
export function decodeLocationTable(table: Uint8Array, firstLine: number): LocationTable {
  const out = new RangeCollector();
  let pos = 0;
  let addr = 0;
  let line = firstLine;

  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= table.length || shift > 28) return result;
      const b = table[pos++];
      result |= (b & 63) << shift;
      if ((b & 64) === 0) return result;
      shift += 6;
    }
  };
  const svarint = (): number => {
    const u = varint();
    return u & 1 ? -(u >>> 1) : u >>> 1;
  };

  while (pos < table.length && out.start.length < TABLE_ENTRIES_MAX) {
    const header = table[pos++];
    if ((header & 0x80) === 0) break; // not an entry start: the table is corrupt from here on
    const code = (header >> 3) & 15;
    const length = (header & 7) + 1;
    let entryLine = line;
    let endLine = line;
    let column = -1;
    let endColumn = -1;
    if (code === 15) {
      entryLine = -1;
      endLine = -1;
    } else if (code === 14) {
      line += svarint();
      entryLine = line;
      endLine = line + varint();
      column = varint() - 1;
      endColumn = varint() - 1;
    } else if (code === 13) {
      line += svarint();
      entryLine = line;
      endLine = line;
    } else if (code >= 10) {
      line += code - 10;
      entryLine = line;
      endLine = line;
      column = table[pos++] ?? 0;
      endColumn = table[pos++] ?? 0;
    } else {
      const second = table[pos++] ?? 0;
      column = code * 8 + ((second >> 4) & 7);
      endColumn = column + (second & 15);
    }
    out.push(addr, addr + length, entryLine, endLine, column, endColumn);
    addr += length;
  }
  return out.finish(firstLine, 1);
}

/** The 3.10 table: (byte length, signed line delta) pairs; delta -128 means "no line". */
export function decodeLineTable310(table: Uint8Array, firstLine: number): LocationTable {
  const out = new RangeCollector();
  let line = firstLine;
  let start = 0;
  for (let pos = 0; pos + 1 < table.length && out.start.length < TABLE_ENTRIES_MAX; pos += 2) {
    const length = table[pos];
    const delta = (table[pos + 1] << 24) >> 24;
    let entryLine = -1;
    if (delta !== -128) {
      line += delta;
      entryLine = line;
    }
    if (length > 0) out.push(start, start + length, entryLine, entryLine, -1, -1);
    start += length;
  }
  return out.finish(firstLine, 2);
}

/**
 * `co_lnotab` (2.x to 3.9): (byte increment, line increment) pairs; the line increment is signed
 * from 3.6 on. Each range starts where an address increment lands and runs to the next one.
 */
export function decodeLnotab(table: Uint8Array, firstLine: number, signedDeltas: boolean): LocationTable {
  const out = new RangeCollector();
  let line = firstLine;
  let addr = 0;
  let rangeStart = 0;
  for (let pos = 0; pos + 1 < table.length && out.start.length < TABLE_ENTRIES_MAX; pos += 2) {
    const addrIncrement = table[pos];
    const lineIncrement = signedDeltas ? (table[pos + 1] << 24) >> 24 : table[pos + 1];
    if (addrIncrement > 0) {
      out.push(rangeStart, addr + addrIncrement, line, line, -1, -1);
      addr += addrIncrement;
      rangeStart = addr;
    }
    line += lineIncrement;
  }
  out.push(rangeStart, 0x7fffffff, line, line, -1, -1);
  return out.finish(firstLine, 1);
}

/** Chooses the decoder for a target's `PY_VERSION_HEX`. */
export function decodeForVersion(table: Uint8Array, firstLine: number, pythonVersionHex: number): LocationTable {
  const minor = (pythonVersionHex >> 16) & 0xff;
  const major = (pythonVersionHex >> 24) & 0xff;
  if (major >= 3 && minor >= 11) return decodeLocationTable(table, firstLine);
  if (major === 3 && minor === 10) return decodeLineTable310(table, firstLine);
  const lnotab = decodeLnotab(table, firstLine, major >= 3 && minor >= 6);
  // co_lnotab tables hold byte offsets; 3.6+ bytecode is 2-byte wordcode while 2.x indexes bytes.
  return major >= 3 && minor >= 6 ? { ...lnotab, unitBytes: 2 } : lnotab;
}

const UNKNOWN: SourceLocation = Object.freeze({ line: -1, endLine: -1, column: -1, endColumn: -1 });

/**
 * The position of the instruction at `instrIndex` (code units from the start of the bytecode).
 * A negative index (a frame that has not started) gives the first line. Ranges are half-open.
 */
export function lookupLocation(table: LocationTable, instrIndex: number): SourceLocation {
  if (instrIndex < 0) return { line: table.firstLine, endLine: table.firstLine, column: -1, endColumn: -1 };
  const target = instrIndex * table.unitBytes;
  let lo = 0;
  let hi = table.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table.end[mid] <= target) lo = mid + 1;
    else if (table.start[mid] > target) hi = mid - 1;
    else {
      return { line: table.line[mid], endLine: table.endLine[mid], column: table.column[mid], endColumn: table.endColumn[mid] };
    }
  }
  return UNKNOWN;
}
