/**
 * The assets the HTML reports need, read at the edge so their writers stay pure: the templates
 * under `templates/` and d3's bundle from its npm package. (The target's source files for the
 * heatmap are read by session/target-files.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ReportAssets } from '../output/html-page.js';
import { ExitCode, TachyonError } from '../session/errors.js';
import { packageRoot } from '../session/helper-path.js';

export function loadReportAssets(): ReportAssets {
  const dir = path.join(packageRoot(), 'templates');
  try {
    const templates: Record<string, string> = {};
    for (const name of readdirSync(dir)) templates[name] = readFileSync(path.join(dir, name), 'utf8');
    const require = createRequire(import.meta.url);
    const d3Dir = path.dirname(require.resolve('d3'));
    const d3Source = readFileSync(path.join(d3Dir, 'd3.min.js'), 'utf8');
    const d3Version = (JSON.parse(readFileSync(path.join(d3Dir, '..', 'package.json'), 'utf8')) as { version: string }).version;
    return { templates, d3Source, d3Version };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TachyonError(ExitCode.fileError, `cannot read the report templates or d3 (${reason})`, 'reinstall tachyon: run npm ci in its directory');
  }
}
