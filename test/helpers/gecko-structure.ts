/**
 * Structural checks of a Firefox Profiler processed profile: every table's columns as long as its
 * `length`, every index in range of the table it points into, every string index inside the
 * string array. Returns the problems found (none for a good file), so a test can print them.
 */

type Table = Record<string, unknown> & { length: number };

/** Column → the table its values index ('strings' for the shared string array), null allowed. */
const REFERENCES: Record<string, Record<string, string>> = {
  samples: { stack: 'stackTable' },
  stackTable: { frame: 'frameTable', prefix: 'stackTable' },
  frameTable: { func: 'funcTable' },
  funcTable: { name: 'strings', fileName: 'strings', resource: 'resourceTable' },
  resourceTable: { name: 'strings' },
  markers: { name: 'strings' },
};

export function geckoProblems(profile: unknown): string[] {
  const problems: string[] = [];
  const p = profile as { meta: { version: number; preprocessedProfileVersion: number; categories: unknown[] }; threads: Record<string, Table>[]; shared: { stringArray: string[] } };
  const strings = p.shared?.stringArray;
  if (!Array.isArray(strings)) return ['shared.stringArray is missing'];
  const categories = p.meta.categories.length;
  p.threads.forEach((thread, ti) => {
    for (const [tableName, refs] of Object.entries(REFERENCES)) {
      const table = thread[tableName];
      if (table === undefined) {
        problems.push(`thread ${ti}: no ${tableName}`);
        continue;
      }
      for (const [column, values] of Object.entries(table)) {
        if (!Array.isArray(values)) continue;
        if (values.length !== table.length) problems.push(`thread ${ti}: ${tableName}.${column} has ${values.length} entries, length says ${table.length}`);
      }
      for (const [column, target] of Object.entries(refs)) {
        const values = table[column] as (number | null)[] | undefined;
        if (values === undefined) {
          problems.push(`thread ${ti}: ${tableName}.${column} is missing`);
          continue;
        }
        const size = target === 'strings' ? strings.length : (thread[target] as Table).length;
        values.forEach((v, i) => {
          if (v === null || (v === -1 && column === 'resource')) return;
          if (!Number.isInteger(v) || v < 0 || v >= size) problems.push(`thread ${ti}: ${tableName}.${column}[${i}] = ${v}, outside ${target} (${size})`);
        });
      }
    }
    for (const tableName of ['stackTable', 'frameTable']) {
      (thread[tableName].category as number[]).forEach((c, i) => {
        if (c < 0 || c >= categories) problems.push(`thread ${ti}: ${tableName}.category[${i}] = ${c}, only ${categories} categories`);
      });
    }
    const prefix = thread.stackTable.prefix as (number | null)[];
    prefix.forEach((parent, i) => {
      if (parent !== null && parent >= i) problems.push(`thread ${ti}: stack ${i} has prefix ${parent}, not an earlier stack`);
    });
    const times = (thread.samples as Table & { time: number[] }).time;
    for (let i = 1; i < times.length; i++) if (times[i] < times[i - 1]) problems.push(`thread ${ti}: sample ${i} goes back in time`);
  });
  return problems;
}
