/**
 * What the HTML reports share: the assets they are built from (templates and d3's source, read by
 * the command layer and passed in), filling a template, escaping text and embedding JSON safely
 * inside a page, and the facts of a run shown in each report's side panel. Pure.
 */
import { sampleCount, SampleStatus, type Profile } from '../model/profile.js';

/** The files an HTML report is made of, read at the edge (commands/report-assets.ts). */
export interface ReportAssets {
  /** Template name (`flamegraph.html`, `report.css`, …) → its text. */
  templates: Record<string, string>;
  /** d3's minified UMD bundle, inlined so the page works offline. */
  d3Source: string;
  d3Version: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** JSON that can sit inside a <script> element: no `</script>`, no `<!--`, no JS line breaks. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Code for an inline <script>: only `</script` could end it early. */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

/** Replaces each `{{NAME}}` in one pass, so text put in is never scanned again. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder ${whole} has no value`);
    return value;
  });
}

export function template(assets: ReportAssets, name: string): string {
  const text = assets.templates[name];
  if (text === undefined) throw new Error(`report template ${name} missing`);
  return text;
}

export interface RunFacts {
  target: string;
  pid: number;
  pythonVersion: string;
  tool: string;
  startedAt: string;
  durationSec: number;
  requestedRateHz: number;
  achievedRateHz: number;
  samples: number;
  ticksTaken: number;
  ticksFailed: number;
  ticksMissed: number;
  stopReason: string;
  threads: { tid: number; name: string | null; samples: number; main: boolean; gilShare: number }[];
  /** Share of samples whose thread held the GIL. */
  gilShare: number;
  sampleIntervalUs: number;
}

export function runFacts(profile: Profile): RunFacts {
  const { meta } = profile;
  const durationSec = meta.durationUs / 1e6;
  const captured = meta.ticksTaken + meta.ticksFailed;
  let gil = 0;
  const threads = profile.threads.map((t) => {
    let threadGil = 0;
    let main = false;
    for (let i = 0; i < t.samples.length; i++) {
      const status = t.samples.status[i];
      if (status & SampleStatus.hasGil) threadGil++;
      if (status & SampleStatus.mainThread) main = true;
    }
    gil += threadGil;
    return { tid: t.tid, name: t.name ?? null, samples: t.samples.length, main, gilShare: t.samples.length > 0 ? threadGil / t.samples.length : 0 };
  });
  threads.sort((a, b) => Number(b.main) - Number(a.main) || b.samples - a.samples || a.tid - b.tid);
  const samples = sampleCount(profile);
  return {
    target: meta.target.argv.length > 0 ? meta.target.argv.join(' ') : `PID ${meta.target.pid}`,
    pid: meta.target.pid,
    pythonVersion: meta.target.pythonVersion,
    tool: `tachyon ${meta.tool.version}`,
    startedAt: meta.startUnixMs > 0 ? new Date(meta.startUnixMs).toISOString() : '',
    durationSec,
    requestedRateHz: meta.sampleIntervalUs > 0 ? 1e6 / meta.sampleIntervalUs : 0,
    achievedRateHz: durationSec > 0 ? captured / durationSec : 0,
    samples,
    ticksTaken: meta.ticksTaken,
    ticksFailed: meta.ticksFailed,
    ticksMissed: meta.ticksMissed,
    stopReason: meta.stopReason,
    threads,
    gilShare: samples > 0 ? gil / samples : 0,
    sampleIntervalUs: meta.sampleIntervalUs,
  };
}
