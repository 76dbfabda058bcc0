/**
 * How reports show source files: by base name, as the stdlib profiler's collapsed and pstats
 * outputs do (`work.py`, not `/home/me/project/work.py`). Pure.
 */

export function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}
