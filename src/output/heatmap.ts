/**
 * `--heatmap`: a directory of HTML pages, an index of the source files ranked by samples and one
 * page per file with every line's self and cumulative samples, coloured by heat, and links to the
 * lines' callees and the functions' callers. Pure: the profile, the assets and the source texts
 * (read by the command layer, as the target saw them) in; relative path → page text out.
 */
import { addSubtrees, OnPath, stackSamples, walkStacks } from '../model/call-tree.js';
import { isSourceFile, type Profile } from '../model/profile.js';
import { basename } from './file-names.js';
import { escapeHtml, fillTemplate, runFacts, template, type ReportAssets } from './html-page.js';

/** A source file's text, or why it could not be read. */
export type SourceFile = { text: string; note?: string } | { error: string };

export interface LineStat {
  line: number;
  self: number;
  /** Samples with this line anywhere on the stack, counted once per sample. */
  cumulative: number;
  /** Callee function key → samples in which this line called it. */
  callees: Map<number, number>;
}

export interface FileStat {
  file: string;
  self: number;
  /** Samples with this file anywhere on the stack, counted once per sample. */
  cumulative: number;
  lines: Map<number, LineStat>;
}

export interface HeatmapStats {
  files: FileStat[];
  totalSamples: number;
  /** Function key → its file, name and first line. */
  funcs: { file: string; name: string; firstLine: number }[];
  /** Function key → caller (file, line) key `file\0line` → samples. */
  callers: Map<string, number>[];
}

export function heatmapStats(profile: Profile): HeatmapStats {
  const { frame: stackFrame, parent } = profile.stacks;
  const nStacks = profile.stacks.length;

  // Functions by (file, name, first line); positions by (file, line).
  const funcKey = new Int32Array(profile.funcs.length);
  const funcs: HeatmapStats['funcs'] = [];
  const funcIndex = new Map<string, number>();
  for (let f = 0; f < profile.funcs.length; f++) {
    const file = profile.strings[profile.funcs.file[f]];
    if (profile.funcs.kind[f] === 'pseudo' || !isSourceFile(file)) {
      funcKey[f] = -1;
      continue;
    }
    const name = profile.strings[profile.funcs.name[f]];
    const firstLine = profile.funcs.firstLine[f];
    const key = `${file}\u0000${name}\u0000${firstLine}`;
    let i = funcIndex.get(key);
    if (i === undefined) {
      funcIndex.set(key, (i = funcs.length));
      funcs.push({ file, name, firstLine });
    }
    funcKey[f] = i;
  }
  const fileStats = new Map<string, FileStat>();
  const fileOf = (name: string): FileStat => {
    let stat = fileStats.get(name);
    if (stat === undefined) fileStats.set(name, (stat = { file: name, self: 0, cumulative: 0, lines: new Map() }));
    return stat;
  };
  const lineStats: LineStat[] = [];
  const lineIndex = new Map<string, number>();
  const frameLine = new Int32Array(profile.frames.length).fill(-1);
  const lineFile: FileStat[] = [];
  for (let f = 0; f < profile.frames.length; f++) {
    const key = funcKey[profile.frames.func[f]];
    if (key === -1) continue;
    const file = funcs[key].file;
    const line = profile.frames.line[f];
    const id = `${file}\u0000${line}`;
    let i = lineIndex.get(id);
    if (i === undefined) {
      lineIndex.set(id, (i = lineStats.length));
      const stat: LineStat = { line, self: 0, cumulative: 0, callees: new Map() };
      lineStats.push(stat);
      const fileStat = fileOf(file);
      fileStat.lines.set(line, stat);
      lineFile.push(fileStat);
    }
    frameLine[f] = i;
  }
  const fileNumber = new Map<FileStat, number>();
  for (const stat of fileStats.values()) fileNumber.set(stat, fileNumber.size);

  // Self samples per line and file from the stacks' own samples; cumulative ones, and the call
  // edges, from one depth-first walk where a line, file or edge counts only at its first
  // occurrence on the path (recursion counts once).
  const own = stackSamples(profile);
  const totals = addSubtrees(parent, Float64Array.from(own));
  let totalSamples = 0;
  for (const thread of profile.threads) totalSamples += thread.samples.length;
  for (let s = 0; s < nStacks; s++) {
    const line = frameLine[stackFrame[s]];
    if (own[s] === 0 || line === -1) continue;
    lineStats[line].self += own[s];
    lineFile[line].self += own[s];
  }
  const onPathLine = new OnPath(lineStats.length);
  const onPathFile = new OnPath(fileStats.size);
  const onPathEdge = new OnPath();
  const callers: Map<string, number>[] = funcs.map(() => new Map());
  /** The call from the parent's line into this stack's function, as a number; -1 when either has no source. */
  const edgeOf = (s: number): number => {
    const callee = funcKey[profile.frames.func[stackFrame[s]]];
    const callerLine = parent[s] === -1 ? -1 : frameLine[stackFrame[parent[s]]];
    return callee === -1 || callerLine === -1 ? -1 : callerLine * funcs.length + callee;
  };
  walkStacks(profile, totals, {
    enter(s, count) {
      const line = frameLine[stackFrame[s]];
      if (line !== -1) {
        if (onPathLine.enter(line)) lineStats[line].cumulative += count;
        if (onPathFile.enter(fileNumber.get(lineFile[line]) as number)) lineFile[line].cumulative += count;
      }
      const edge = edgeOf(s);
      if (edge === -1 || !onPathEdge.enter(edge)) return;
      const callee = edge % funcs.length;
      const callerLine = (edge - callee) / funcs.length;
      const callees = lineStats[callerLine].callees;
      callees.set(callee, (callees.get(callee) ?? 0) + count);
      const callerKey = `${lineFile[callerLine].file}\u0000${lineStats[callerLine].line}`;
      callers[callee].set(callerKey, (callers[callee].get(callerKey) ?? 0) + count);
    },
    leave(s) {
      const line = frameLine[stackFrame[s]];
      if (line !== -1) {
        onPathLine.leave(line);
        onPathFile.leave(fileNumber.get(lineFile[line]) as number);
      }
      const edge = edgeOf(s);
      if (edge !== -1) onPathEdge.leave(edge);
    },
  });
  const files = [...fileStats.values()].filter((f) => f.cumulative > 0);
  files.sort((a, b) => b.cumulative - a.cumulative || b.self - a.self || (a.file < b.file ? -1 : 1));
  return { files, totalSamples, funcs, callers };
}

/** White to orange-red, light enough for black text on top; `x` in [0, 1]. */
export function heatColour(x: number): string {
  if (x <= 0) return 'transparent';
  const stops = [
    [255, 255, 255],
    [253, 224, 197],
    [251, 181, 138],
    [246, 138, 92],
    [236, 106, 64],
  ];
  const at = Math.min(1, x) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(at));
  const t = at - i;
  const rgb = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * t));
  return `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Heat of `n` against the largest count `max`, on a log scale so warm lines stay visible. */
export function heatOf(n: number, max: number): number {
  return n <= 0 || max <= 0 ? 0 : Math.log(n + 1) / Math.log(max + 1);
}

/** Where a file comes from, judged by its path: the program's own code, an installed package or Python's library. */
export function fileOrigin(file: string): 'package' | 'stdlib' | 'program' {
  if (/\/(site|dist)-packages\//.test(file)) return 'package';
  if (/\/lib\/python\d+\.\d+[a-z]*\//.test(file)) return 'stdlib';
  return 'program';
}
const ORIGIN_LABEL = { package: 'installed package', stdlib: 'standard library', program: 'program' } as const;

const pageName = (rank: number): string => `file_${String(rank).padStart(4, '0')}.html`;
const fmt = (n: number): string => n.toLocaleString('en-US');
const pct = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(2)}%` : '0.00%');

/** The heatmap's files: relative path → content. */
export function writeHeatmap(profile: Profile, assets: ReportAssets, sources: ReadonlyMap<string, SourceFile>): Map<string, string> {
  const stats = heatmapStats(profile);
  const out = new Map<string, string>();
  const pageOf = new Map<string, string>();
  stats.files.forEach((f, rank) => pageOf.set(f.file, pageName(rank)));
  const style = template(assets, 'report.css');
  const facts = runFacts(profile);
  const title = `Heatmap: ${facts.target}`;
  const total = stats.totalSamples;

  const funcLink = (key: number, count: number, arrow: string): string => {
    const f = stats.funcs[key];
    const page = pageOf.get(f.file);
    const label = `${arrow} ${escapeHtml(f.name)} (${escapeHtml(basename(f.file))}:${f.firstLine}) ${fmt(count)}`;
    return page ? `<a href="${page}#L${f.firstLine}" title="${escapeHtml(f.file)}">${label}</a>` : `<span>${label}</span>`;
  };

  stats.files.forEach((fileStat, rank) => {
    const source = sources.get(fileStat.file) ?? { error: 'not read' };
    const sourceLines = 'text' in source ? source.text.split(/\r?\n/) : [];
    if (sourceLines.length > 0 && sourceLines[sourceLines.length - 1] === '') sourceLines.pop();
    let maxSelf = 0;
    let maxCum = 0;
    for (const l of fileStat.lines.values()) {
      maxSelf = Math.max(maxSelf, l.self);
      maxCum = Math.max(maxCum, l.cumulative);
    }
    // Functions defined in this file, by first line, for the callers links.
    const defs = new Map<number, number[]>();
    stats.funcs.forEach((f, key) => {
      if (f.file !== fileStat.file) return;
      const list = defs.get(f.firstLine) ?? [];
      list.push(key);
      defs.set(f.firstLine, list);
    });
    const sampledLines = [...fileStat.lines.values()].filter((l) => l.cumulative > 0).map((l) => l.line);
    const lastLine = Math.max(sourceLines.length, ...sampledLines, 0);
    const rows: string[] = [];
    for (let n = 1; n <= lastLine; n++) {
      const stat = fileStat.lines.get(n);
      const self = stat?.self ?? 0;
      const cum = stat?.cumulative ?? 0;
      const code = n <= sourceLines.length ? escapeHtml(sourceLines[n - 1]) : stat ? '<span class="unreadable">(no source for this line)</span>' : '';
      const links: string[] = [];
      for (const key of defs.get(n) ?? []) {
        const callerList = [...stats.callers[key].entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
        for (const [callerKey, count] of callerList) {
          const [file, line] = callerKey.split('\u0000');
          const page = pageOf.get(file);
          const label = `◀ called from ${escapeHtml(basename(file))}:${line} ${fmt(count)}`;
          links.push(page ? `<a class="caller" href="${page}#L${line}" title="${escapeHtml(file)}">${label}</a>` : label);
        }
      }
      if (stat) {
        for (const [key, count] of [...stat.callees.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) links.push(funcLink(key, count, '▶ calls'));
      }
      if (!stat || cum === 0) {
        rows.push(`<tr id="L${n}"><td class="ln"><a href="#L${n}">${n}</a></td><td></td><td></td><td class="code">${code}</td><td class="calls">${links.join('')}</td></tr>`);
        continue;
      }
      const heat = `--hc:${heatColour(heatOf(cum, maxCum))};--hs:${heatColour(heatOf(self, maxSelf))}`;
      rows.push(
        `<tr id="L${n}" style="${heat}" data-self="${self}" data-cumulative="${cum}"><td class="ln"><a href="#L${n}">${n}</a></td>` +
          `<td class="cnt">${self ? fmt(self) : ''}</td><td class="cnt">${fmt(cum)}</td><td class="code">${code}</td><td class="calls">${links.join('')}</td></tr>`,
      );
    }
    const note = 'error' in source ? `<p class="unreadable" id="unreadable">Source not shown: ${escapeHtml(source.error)}. The lines with samples are listed with their counts.</p>` : source.note ? `<p class="unreadable">${escapeHtml(source.note)}</p>` : '';
    const body =
      `<p><a href="index.html">← all files</a> · <b>${fmt(fileStat.cumulative)}</b> samples with this file on the stack (${pct(fileStat.cumulative, total)}), ` +
      `<b>${fmt(fileStat.self)}</b> in it (self, ${pct(fileStat.self, total)}) · ` +
      `colour by <label><input type="radio" name="heat" value="cum" checked> cumulative</label> <label><input type="radio" name="heat" value="self"> self</label> samples ` +
      `<span class="heat-legend">0<span class="ramp"></span>${fmt(maxCum)}</span></p>${note}` +
      `<table class="source" id="source" data-file="${escapeHtml(fileStat.file)}"><thead><tr><th class="num">line</th><th class="num" title="samples where this line was running">self</th><th class="num" title="samples with this line anywhere on the stack">cumulative</th><th></th><th></th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
    out.set(
      pageName(rank),
      fillTemplate(template(assets, 'heatmap.html'), {
        TITLE: escapeHtml(`${basename(fileStat.file)} — ${title}`),
        HEADING: escapeHtml(fileStat.file),
        STYLE: style,
        BODY: body,
      }),
    );
  });

  // The index: files ranked, then the hottest lines, then the run's facts.
  const maxCum = stats.files[0]?.cumulative ?? 0;
  const fileRows = stats.files.map((f, rank) => {
    const source = sources.get(f.file) ?? { error: 'not read' };
    const readable = 'error' in source ? `<span class="unreadable">source unreadable: ${escapeHtml(source.error)}</span>` : '';
    const bar = `<span class="bar" style="width:${Math.max(1, Math.round((120 * f.cumulative) / Math.max(1, maxCum)))}px"></span>`;
    return (
      `<tr data-file="${escapeHtml(f.file)}" data-self="${f.self}" data-cumulative="${f.cumulative}"><td class="num">${rank + 1}</td><td class="path"><a href="${pageName(rank)}">${escapeHtml(f.file)}</a> ${readable}</td><td>${ORIGIN_LABEL[fileOrigin(f.file)]}</td>` +
      `<td class="num">${bar}${fmt(f.cumulative)}</td><td class="num">${pct(f.cumulative, total)}</td><td class="num">${fmt(f.self)}</td><td class="num">${pct(f.self, total)}</td></tr>`
    );
  });
  const hotLines: { file: string; line: LineStat }[] = [];
  for (const f of stats.files) for (const l of f.lines.values()) if (l.self > 0) hotLines.push({ file: f.file, line: l });
  hotLines.sort((a, b) => b.line.self - a.line.self);
  const hotRows = hotLines.slice(0, 20).map(({ file, line }) => {
    const source = sources.get(file);
    const text = source && 'text' in source ? (source.text.split(/\r?\n/)[line.line - 1] ?? '').trim() : '';
    return `<tr><td class="path"><a href="${pageOf.get(file)}#L${line.line}">${escapeHtml(basename(file))}:${line.line}</a></td><td class="num">${fmt(line.self)}</td><td class="num">${pct(line.self, total)}</td><td class="path">${escapeHtml(text.slice(0, 100))}</td></tr>`;
  });
  const unattributed = total - stats.files.reduce((n, f) => n + f.self, 0);
  const captured = facts.ticksTaken + facts.ticksFailed;
  const factRows: [string, string][] = [
    ['Target', escapeHtml(facts.target)],
    ['PID', String(facts.pid)],
    ['Python', escapeHtml(facts.pythonVersion)],
    ['Duration', `${facts.durationSec.toFixed(2)} s`],
    ['Rate', `${fmt(Math.round(facts.achievedRateHz))} samples/s (asked ${fmt(Math.round(facts.requestedRateHz))})`],
    ['Samples', fmt(total)],
    ['Failed', `${fmt(facts.ticksFailed)} (${pct(facts.ticksFailed, captured)})`],
    ['Missed', fmt(facts.ticksMissed)],
    ['Threads', String(facts.threads.length)],
    ['Profiler', escapeHtml(facts.tool)],
  ];
  const indexBody =
    `<p id="totals" data-samples="${total}">${fmt(total)} samples in ${fmt(stats.files.length)} source files. <b>cumulative</b>: samples with the file anywhere on the stack; <b>self</b>: samples running in the file itself.` +
    (unattributed > 0 ? ` ${fmt(unattributed)} samples (${pct(unattributed, total)}) were in code with no source file (frozen modules, <code>&lt;string&gt;</code>, truncated stacks).` : '') +
    `</p><h2>Files by samples</h2><table class="files" id="files"><thead><tr><th class="num">#</th><th>file</th><th>from</th><th class="num">cumulative</th><th class="num"></th><th class="num">self</th><th class="num"></th></tr></thead><tbody>${fileRows.join('\n')}</tbody></table>` +
    `<h2>Hottest lines (self)</h2><table class="files" id="hot-lines"><tbody>${hotRows.join('\n')}</tbody></table>` +
    `<h2>Run</h2><table class="files" id="run-facts"><tbody>${factRows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</tbody></table>`;
  out.set('index.html', fillTemplate(template(assets, 'heatmap.html'), { TITLE: escapeHtml(title), HEADING: escapeHtml(title), STYLE: style, BODY: indexBody }));
  return out;
}

/** The files a heatmap wants the text of (the command layer reads them). */
export function heatmapSourceFiles(profile: Profile): string[] {
  const files = new Set<string>();
  for (let f = 0; f < profile.funcs.length; f++) {
    const file = profile.strings[profile.funcs.file[f]];
    if (profile.funcs.kind[f] === 'python' && isSourceFile(file)) files.add(file);
  }
  return [...files];
}
