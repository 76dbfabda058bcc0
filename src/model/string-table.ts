/**
 * StringTable: interns strings into an array, each distinct string once, in order of first use.
 * The profile model's own string table and the writers' per-file tables (flamegraph pages, gecko,
 * pprof) are all this.
 */
export class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `text`, adding it at the end the first time. */
  intern(text: string): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.index.set(text, i);
    }
    return i;
  }
}
