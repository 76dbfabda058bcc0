// The flamegraph page's script (flamegraph and differential flamegraph): reads the embedded
// profile tree, draws it with d3, and handles zoom, breadcrumb, search, thread filter, the
// inverted (callers) view, tooltips and the side panel of run facts. No network access.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('profile-data').textContent);
  const strings = data.strings;
  const funcs = data.funcs;
  const isDiff = data.kind === 'diff';
  const ROW = 17;
  // Boxes narrower than this are not drawn (their samples still count in their parent).
  const MIN_BOX_PX = 1;
  const ROOT = -1;
  const MERGED = -2;
  const fmt = d3.format(',');
  const pct = (part, whole) => (whole > 0 ? (100 * part / whole).toFixed(part === whole ? 0 : 2) : '0.00') + '%';
  const intervalMs = data.facts.sampleIntervalUs / 1000;
  /** A thread as the side panel and the filter name it: its name and id, or its id. */
  const threadLabel = (t) => (t.name !== null && t.name !== undefined ? t.name + ' (' + t.tid + ')' : 'thread ' + t.tid + (t.main ? ' (main)' : ''));

  const state = { view: 'flame', thread: 'all', zoom: 0, search: '' };
  readHash();

  // ---- trees ------------------------------------------------------------------------------

  /** A view tree: parent/func/line/merged arrays, self and total per node, children by total. */
  function makeTree(src, threads, tid) {
    const n = src.parent.length;
    const self = new Float64Array(n);
    for (const t of threads) {
      if (tid !== 'all' && String(t.tid) !== tid) continue;
      for (let i = 0; i < t.nodes.length; i++) self[t.nodes[i]] += t.counts[i];
    }
    return finishTree({ parent: src.parent, func: src.func, line: src.line, merged: src.merged, self, extra: src.mergedTop });
  }

  function finishTree(tree) {
    const n = tree.parent.length;
    const total = Float64Array.from(tree.self);
    for (let i = n - 1; i > 0; i--) total[tree.parent[i]] += total[i];
    const children = Array.from({ length: n }, () => []);
    const depth = new Int32Array(n);
    for (let i = 1; i < n; i++) {
      children[tree.parent[i]].push(i);
      depth[i] = depth[tree.parent[i]] + 1;
    }
    for (const list of children) if (list.length > 1) list.sort((a, b) => total[b] - total[a]);
    tree.total = total;
    tree.children = children;
    tree.depth = depth;
    return tree;
  }

  /** The callers view: each stack read from its leaf, so roots are where samples ended. */
  function invertTree(t) {
    const parent = [-1], func = [ROOT], line = [0], merged = [0], self = [0];
    const index = new Map();
    for (let leaf = 1; leaf < t.parent.length; leaf++) {
      const count = t.self[leaf];
      if (count === 0) continue;
      let at = 0;
      for (let m = leaf; m > 0; m = t.parent[m]) {
        const key = at + '|' + t.func[m] + '|' + t.line[m];
        let child = index.get(key);
        if (child === undefined) {
          child = parent.length;
          parent.push(at); func.push(t.func[m]); line.push(t.line[m]); merged.push(t.merged[m]); self.push(0);
          index.set(key, child);
        }
        at = child;
      }
      self[at] += count;
    }
    return finishTree({ parent, func, line, merged, self: Float64Array.from(self) });
  }

  let tree = null;
  /** The tree before inverting: self samples per frame, for the hotspots list. */
  let callTree = null;
  function rebuild() {
    if (state.view === 'baseline' && isDiff) {
      tree = callTree = makeTree(data.baseline.tree, data.baseline.threads, 'all');
    } else {
      tree = callTree = makeTree(data.tree, data.threads, isDiff ? 'all' : state.thread);
      if (state.view === 'inverted') tree = invertTree(callTree);
    }
    if (!(state.zoom >= 0 && state.zoom < tree.parent.length) || (state.zoom > 0 && tree.total[state.zoom] === 0)) state.zoom = 0;
  }

  // ---- labels -----------------------------------------------------------------------------

  const baseName = (path) => path.slice(path.lastIndexOf('/') + 1);
  function frameName(t, n) {
    const f = t.func[n];
    if (f === ROOT) return isDiff && state.view === 'baseline' ? 'all samples (baseline)' : 'all samples';
    if (f === MERGED) return '… ' + fmt(t.merged[n]) + ' small frames';
    return strings[funcs.name[f]];
  }
  function frameWhere(t, n) {
    const f = t.func[n];
    if (f < 0 || funcs.pseudo[f]) return '';
    const line = t.line[n];
    return strings[funcs.file[f]] + (line > 0 ? ':' + line : '');
  }
  function shortLabel(t, n) {
    const f = t.func[n];
    if (f < 0 || funcs.pseudo[f]) return frameName(t, n);
    const line = t.line[n];
    return frameName(t, n) + ' (' + baseName(strings[funcs.file[f]]) + (line > 0 ? ':' + line : '') + ')';
  }

  // ---- colours ----------------------------------------------------------------------------

  function hash(text) {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return h >>> 0;
  }
  const colourCache = new Map();
  function warm(t, n) {
    const f = t.func[n];
    if (f === ROOT) return '#c8c8c0';
    if (f === MERGED) return '#d9d9d4';
    if (funcs.pseudo[f]) return '#b8b8b8';
    let c = colourCache.get(f);
    if (c === undefined) {
      const file = strings[funcs.file[f]];
      const h = hash(file), g = hash(strings[funcs.name[f]]);
      // Files get a hue between red and yellow; functions of one file vary in lightness.
      c = d3.hsl(8 + (h % 46), 0.72 + ((g >>> 8) % 20) / 100, 0.56 + (g % 14) / 100).formatHex();
      colourCache.set(f, c);
    }
    return c;
  }

  /** Whether a fill needs light text: its relative luminance is low. */
  const darkCache = new Map();
  function isDark(fill) {
    let dark = darkCache.get(fill);
    if (dark === undefined) {
      const c = d3.rgb(fill);
      dark = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b < 120;
      darkCache.set(fill, dark);
    }
    return dark;
  }

  let diffScale = null;
  function diffColour(t, n) {
    if (state.view === 'baseline') {
      if (t.func[n] < 0) return '#d0d0d0';
      return data.baseline.vanished[n] ? '#2f9e44' : '#dcdcdc';
    }
    if (t.func[n] === ROOT) return '#d0d0d0';
    if (t.func[n] === MERGED) return '#d9d9d4';
    const base = data.diff.baseTotal[n];
    if (base < 0) return '#8e44ad';
    return diffScale(deltaPoints(n));
  }
  /** Change in share of all samples, in percentage points, of node n of the current tree. */
  function deltaPoints(n) {
    const base = data.diff.baseTotal[n];
    const now = tree.total[n] / data.diff.currentSamples;
    const before = base < 0 ? 0 : base / data.diff.baselineSamples;
    return 100 * (now - before);
  }
  function setupDiff() {
    let maxDelta = 1;
    const t = makeTree(data.tree, data.threads, 'all');
    const saved = tree;
    tree = t;
    for (let n = 1; n < t.parent.length; n++) if (data.diff.baseTotal[n] >= 0 && t.func[n] !== MERGED) maxDelta = Math.max(maxDelta, Math.abs(deltaPoints(n)));
    tree = saved;
    diffScale = d3.scaleDiverging([-maxDelta, 0, maxDelta], (x) => d3.interpolateRdBu(1 - x));
    const legend = document.getElementById('legend');
    legend.hidden = false;
    legend.innerHTML =
      '<span>Change in share of all samples: <b>−' + maxDelta.toFixed(1) + ' pt</b><span class="ramp"></span><b>+' + maxDelta.toFixed(1) + ' pt</b> (blue: smaller share than in the baseline, red: larger)</span>' +
      '<span><span class="swatch" style="background:#8e44ad"></span>new: no counterpart in the baseline</span>' +
      '<span><span class="swatch" style="background:#2f9e44"></span>vanished: in the baseline only (see the “Baseline” view; ' + fmt(data.baseline.vanishedCount) + (data.baseline.vanishedCount === 1 ? ' frame' : ' frames') + ')</span>';
    document.getElementById('view-baseline').hidden = false;
    document.getElementById('view-inverted').hidden = true;
    document.querySelector('.thread-filter').hidden = true;
  }

  // ---- drawing ----------------------------------------------------------------------------

  const svg = d3.select('#flame');
  const chart = document.getElementById('chart');
  const tooltip = document.getElementById('tooltip');
  let searchMatches = new Uint8Array(0);

  function visibleItems(width) {
    const items = [];
    const zoom = state.zoom;
    const chain = [];
    for (let a = tree.parent[zoom]; a !== -1 && a !== undefined; a = tree.parent[a]) chain.push(a);
    for (const a of chain) items.push({ node: a, x: 0, w: width, depth: tree.depth[a], ancestor: true });
    const scale = width / Math.max(1, tree.total[zoom]);
    const stack = [[zoom, 0]];
    while (stack.length > 0) {
      const [n, x] = stack.pop();
      const w = tree.total[n] * scale;
      items.push({ node: n, x, w, depth: tree.depth[n], ancestor: false });
      let cx = x;
      for (const c of tree.children[n]) {
        const cw = tree.total[c] * scale;
        if (cw >= MIN_BOX_PX) stack.push([c, cx]);
        cx += cw;
      }
    }
    return items;
  }

  function render() {
    const width = Math.max(200, chart.clientWidth - 2);
    const items = visibleItems(width);
    let maxDepth = 0;
    for (const it of items) if (it.depth > maxDepth) maxDepth = it.depth;
    const flame = state.view !== 'inverted';
    const y = (d) => (flame ? (maxDepth - d.depth) * ROW : d.depth * ROW);
    const colour = isDiff ? diffColour : warm;
    svg.attr('height', (maxDepth + 1) * ROW).attr('viewBox', '0 0 ' + width + ' ' + (maxDepth + 1) * ROW);
    svg.classed('searching', state.search !== '');
    svg
      .selectAll('g.frame')
      .data(items, (d) => d.node)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'frame');
        g.append('rect').attr('height', ROW - 1);
        g.append('text').attr('x', 3).attr('y', ROW - 5);
        return g;
      })
      .each(function (d) {
        // Only what changed is written: a redraw after a filter or zoom touches few attributes.
        const n = d.node;
        const last = this.__drawn || (this.__drawn = {});
        const rect = this.firstChild;
        const text = this.lastChild;
        const transform = 'translate(' + d.x + ',' + y(d) + ')';
        if (last.transform !== transform) this.setAttribute('transform', (last.transform = transform));
        const sameFrame = last.tree === tree && last.node === n;
        if (!sameFrame) {
          last.tree = tree;
          last.node = n;
          last.label = shortLabel(tree, n);
          this.dataset.node = String(n);
          this.dataset.name = frameName(tree, n);
          last.chars = -1;
        }
        const samples = String(tree.total[n]);
        if (this.dataset.samples !== samples) this.dataset.samples = samples;
        if (last.ancestor !== d.ancestor) this.classList.toggle('ancestor', (last.ancestor = d.ancestor));
        const match = searchMatches[n] === 1;
        if (last.match !== match) this.classList.toggle('match', (last.match = match));
        const width = Math.max(0.5, d.w);
        if (last.width !== width) rect.setAttribute('width', (last.width = width));
        const fill = colour(tree, n);
        if (last.fill !== fill) {
          rect.setAttribute('fill', (last.fill = fill));
          text.setAttribute('fill', isDark(fill) ? '#fff' : '#1a1a1a');
        }
        const chars = Math.max(0, Math.floor((d.w - 6) / 6.6));
        if (last.chars !== chars) {
          last.chars = chars;
          const label = last.label;
          text.textContent = chars < 3 ? '' : label.length <= chars ? label : label.slice(0, chars - 1) + '…';
        }
      });
    if (flame && !render.scrolled) {
      chart.scrollTop = chart.scrollHeight;
      render.scrolled = true;
    }
    updateSummary();
    updateBreadcrumb();
  }

  function allShown() {
    return tree.total[0];
  }

  function updateSummary() {
    const shown = document.getElementById('shown');
    const all = allShown();
    const z = state.zoom;
    const scope = isDiff && state.view === 'baseline' ? 'Baseline' : state.thread === 'all' ? 'All threads' : 'Thread ' + state.thread;
    let text = scope + ': ' + fmt(all) + ' samples (' + (all * intervalMs / 1000).toFixed(2) + ' s of thread time)';
    if (z !== 0) text = shortLabel(tree, z) + ': ' + fmt(tree.total[z]) + ' samples, ' + pct(tree.total[z], all) + ' of ' + scope.toLowerCase() + ' (' + fmt(all) + ')';
    shown.textContent = text;
    shown.dataset.samples = String(tree.total[z]);
    shown.dataset.all = String(all);
    const result = document.getElementById('search-result');
    if (state.search === '') {
      result.textContent = '';
      result.dataset.samples = '0';
      return;
    }
    const matched = matchedSamples();
    result.textContent = 'Search “' + state.search + '”: ' + fmt(matched.frames) + ' frames, ' + fmt(matched.samples) + ' samples, ' + pct(matched.samples, all);
    result.dataset.samples = String(matched.samples);
    result.dataset.frames = String(matched.frames);
  }

  /** Samples with a match on their stack, each counted once (a match under a match is not added). */
  function matchedSamples() {
    let samples = 0, frames = 0;
    const under = new Uint8Array(tree.parent.length);
    for (let n = 1; n < tree.parent.length; n++) {
      const p = tree.parent[n];
      under[n] = under[p] || searchMatches[p] ? 1 : 0;
      if (searchMatches[n] && tree.total[n] > 0) {
        frames++;
        if (!under[n]) samples += tree.total[n];
      }
    }
    return { samples, frames };
  }

  function updateBreadcrumb() {
    const nav = document.getElementById('breadcrumb');
    nav.textContent = '';
    const chain = [];
    for (let a = state.zoom; a !== -1; a = tree.parent[a]) chain.push(a);
    chain.reverse();
    chain.forEach((n, i) => {
      if (i > 0) nav.appendChild(Object.assign(document.createElement('span'), { className: 'sep', textContent: '›' }));
      const a = document.createElement('a');
      a.textContent = i === 0 ? frameName(tree, n) : shortLabel(tree, n);
      a.dataset.node = String(n);
      a.addEventListener('click', () => zoomTo(n));
      nav.appendChild(a);
    });
    if (chain.length === 1) nav.appendChild(Object.assign(document.createElement('span'), { textContent: '  (click a box to zoom in; Esc or “Reset zoom” to zoom out)' }));
  }

  function zoomTo(n) {
    state.zoom = n;
    writeHash();
    render();
  }

  // ---- search -----------------------------------------------------------------------------

  function applySearch() {
    const q = state.search.toLowerCase();
    searchMatches = new Uint8Array(tree.parent.length);
    if (q === '') return;
    const memo = new Map();
    for (let n = 1; n < tree.parent.length; n++) {
      const f = tree.func[n];
      if (f < 0) continue;
      let hit = memo.get(f);
      if (hit === undefined) {
        hit = strings[funcs.name[f]].toLowerCase().includes(q) || strings[funcs.file[f]].toLowerCase().includes(q);
        memo.set(f, hit);
      }
      if (hit) searchMatches[n] = 1;
    }
  }

  // ---- tooltip ----------------------------------------------------------------------------

  function showTooltip(event, n) {
    const all = allShown();
    const z = state.zoom;
    const parent = tree.parent[n];
    const rows = [];
    const row = (k, v) => rows.push('<tr><td>' + k + '</td><td>' + v + '</td></tr>');
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
    row('total', fmt(tree.total[n]) + ' samples, ' + pct(tree.total[n], all) + ' of all' + (z !== 0 && n !== z ? ', ' + pct(tree.total[n], tree.total[z]) + ' of zoomed' : '') + (parent > 0 ? ', ' + pct(tree.total[n], tree.total[parent]) + ' of caller' : ''));
    if (state.view === 'inverted') {
      row('time', (tree.total[n] * intervalMs).toFixed(1) + ' ms');
      if (n > 0 && tree.parent[n] === 0) row('note', 'samples that ended in this frame (its self samples)');
      else if (n > 0) row('note', 'samples in which this call path led to the frame at the top');
    } else {
      row('self', fmt(tree.self[n]) + ' samples, ' + pct(tree.self[n], all));
      row('time', (tree.total[n] * intervalMs).toFixed(1) + ' ms total, ' + (tree.self[n] * intervalMs).toFixed(1) + ' ms self');
    }
    if (tree.func[n] === MERGED) {
      row('note', 'frames each under ' + fmt(data.pruning.minSamples) + ' samples, merged to keep the page fast');
      const top = tree.extra && tree.extra[n];
      if (top && top.length > 0) row('largest inside', top.map(([f, count]) => esc(strings[funcs.name[f]] + ' (' + baseName(strings[funcs.file[f]]) + ') ' + fmt(count))).join('<br>'));
    }
    if (isDiff && state.view !== 'baseline' && n > 0) {
      const base = data.diff.baseTotal[n];
      if (base < 0) row('baseline', 'no counterpart (new)');
      else row('baseline', fmt(base) + ' samples, ' + pct(base, data.diff.baselineSamples) + ' → now ' + pct(tree.total[n], data.diff.currentSamples) + ' (' + (deltaPoints(n) >= 0 ? '+' : '') + deltaPoints(n).toFixed(2) + ' pt)');
    }
    if (isDiff && state.view === 'baseline' && n > 0) row('current run', data.baseline.vanished[n] ? 'vanished: no counterpart' : 'present');
    const where = frameWhere(tree, n);
    const code = data.lines && data.lines[tree.func[n] + ':' + tree.line[n]];
    tooltip.innerHTML = '<div class="name">' + esc(frameName(tree, n)) + '</div>' + (where ? '<div class="where">' + esc(where) + '</div>' : '') +
      (code ? '<pre class="code">' + esc(code) + '</pre>' : '') + '<table>' + rows.join('') + '</table>';
    tooltip.hidden = false;
    moveTooltip(event);
  }
  function moveTooltip(event) {
    const pad = 14;
    const r = tooltip.getBoundingClientRect();
    let x = event.clientX + pad, y = event.clientY + pad;
    if (x + r.width > window.innerWidth) x = Math.max(0, event.clientX - r.width - pad);
    if (y + r.height > window.innerHeight) y = Math.max(0, event.clientY - r.height - pad);
    tooltip.style.left = x + 'px';
    tooltip.style.top = y + 'px';
  }

  svg.on('click', (event) => {
    const g = event.target.closest('g.frame');
    if (g) zoomTo(Number(g.dataset.node));
  });
  svg.on('mousemove', (event) => {
    const g = event.target.closest('g.frame');
    if (g) showTooltip(event, Number(g.dataset.node));
    else tooltip.hidden = true;
  });
  svg.on('mouseleave', () => (tooltip.hidden = true));

  // ---- side panel -------------------------------------------------------------------------

  function factsPanel() {
    const f = data.facts;
    const aside = document.getElementById('facts');
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
    const captured = f.ticksTaken + f.ticksFailed;
    const rows = [
      ['Target', esc(f.target)],
      ['PID', f.pid],
      ['Python', esc(f.pythonVersion)],
      ['Duration', f.durationSec.toFixed(2) + ' s'],
      ['Rate', fmt(Math.round(f.achievedRateHz)) + ' samples/s (asked ' + fmt(Math.round(f.requestedRateHz)) + ')'],
      ['Samples', fmt(f.samples)],
      ['Failed', '<span class="' + (captured > 0 && f.ticksFailed / captured > 0.05 ? 'warn' : '') + '">' + fmt(f.ticksFailed) + ' (' + pct(f.ticksFailed, captured) + ')</span>'],
      ['Missed', fmt(f.ticksMissed)],
      ['Holding the GIL', pct(Math.round(f.gilShare * 1e4), 1e4) + ' of samples'],
      ['Threads', f.threads.length],
      ['Stopped', esc(f.stopReason.replace(/_/g, ' '))],
    ];
    if (f.startedAt) rows.push(['Started', esc(f.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))]);
    rows.push(['Profiler', esc(f.tool)]);
    let html = '<h2>' + (isDiff ? 'Current run' : 'Run') + '</h2><table id="run-facts">' + rows.map((r) => '<tr><td>' + r[0] + '</td><td>' + r[1] + '</td></tr>').join('') + '</table>';
    if (isDiff) {
      const b = data.baselineFacts;
      html += '<h2>Baseline</h2><table id="baseline-facts">' +
        [['Target', esc(b.target)], ['Python', esc(b.pythonVersion)], ['Duration', b.durationSec.toFixed(2) + ' s'], ['Samples', fmt(b.samples)], ['Failed', fmt(b.ticksFailed)]]
          .map((r) => '<tr><td>' + r[0] + '</td><td>' + r[1] + '</td></tr>').join('') + '</table>';
      html += '<h2>Vanished frames</h2>' + (data.baseline.vanishedTop.length === 0 ? '<p>none: every baseline frame is in the current run</p>' :
        '<ol id="vanished">' + data.baseline.vanishedTop.map((v) => '<li data-node="' + v.node + '">' + esc(shortLabelOf(data.baseline.tree, v.node)) + ' — was ' + pct(v.samples, data.diff.baselineSamples) + '</li>').join('') + '</ol>');
    }
    html += '<h2>Where the time goes (self<span id="hotspots-scope"></span>)</h2><ol id="hotspots"></ol>';
    if (!isDiff && f.threads.length > 1) {
      html += '<h2>Threads</h2><table id="threads"><tr><td>thread</td><td class="num">samples</td><td class="num">share</td><td class="num" title="share of its samples holding the GIL">GIL</td></tr>' +
        f.threads.map((t) => '<tr><td>' + esc(threadLabel(t)) + '</td><td class="num">' + fmt(t.samples) + '</td><td class="num">' + pct(t.samples, f.samples) + '</td><td class="num">' + Math.round(t.gilShare * 100) + '%</td></tr>').join('') + '</table>';
    }
    aside.innerHTML = html;
    aside.querySelectorAll('#vanished li').forEach((li) => li.addEventListener('click', () => {
      setView('baseline');
      zoomTo(Number(li.dataset.node));
    }));
  }
  function shortLabelOf(src, n) {
    return shortLabel({ func: src.func, line: src.line, merged: src.merged }, n);
  }

  function hotspots() {
    const byFunc = new Map();
    const t = callTree;
    for (let n = 1; n < t.parent.length; n++) {
      if (t.self[n] === 0) continue;
      const key = t.func[n] === MERGED ? 'merged' : t.func[n];
      byFunc.set(key, (byFunc.get(key) || 0) + t.self[n]);
    }
    const top = [...byFunc.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
    const all = allShown();
    const ol = document.getElementById('hotspots');
    ol.textContent = '';
    document.getElementById('hotspots-scope').textContent = state.view === 'baseline' ? ', baseline' : state.thread !== 'all' && !isDiff ? ', thread ' + state.thread : '';
    for (const [f, count] of top) {
      const li = document.createElement('li');
      const name = f === 'merged' ? 'small frames (merged)' : strings[funcs.name[f]] + (funcs.pseudo[f] ? '' : ' (' + baseName(strings[funcs.file[f]]) + ')');
      li.textContent = name + ' — ' + pct(count, all);
      li.title = 'search for it';
      if (f !== 'merged') li.addEventListener('click', () => setSearch(strings[funcs.name[f]]));
      ol.appendChild(li);
    }
  }

  function notes() {
    const p = data.pruning;
    const foot = document.getElementById('notes');
    const parts = [];
    if (data.facts.samples === 0) parts.push('No samples were taken: the target ended, or was stopped, before the first sample (see the run facts).');
    if (p.mergedNodes > 0) {
      parts.push(fmt(p.mergedNodes) + ' of ' + fmt(p.fullNodes) + ' call-tree nodes had fewer than ' + fmt(p.minSamples) + ' samples (' + p.minSharePct.toFixed(2) +
        '% of the samples, or of their thread’s) and were merged into ' + fmt(p.mergedBoxes) + (p.mergedBoxes === 1 ? ' “… small frames” box' : ' “… small frames” boxes') + ' (their tooltips name the largest functions inside); search does not look inside them.');
    }
    parts.push('Box width is the share of samples; in the flamegraph callers are below their callees, in the inverted view the functions where samples ended are at the top and their callers below. Made with ' + data.facts.tool + ' and d3.');
    foot.textContent = parts.join(' ');
  }

  // ---- controls ---------------------------------------------------------------------------

  const threadSelect = document.getElementById('thread');
  function threadOptions() {
    const opts = [['all', 'All threads (' + fmt(data.facts.samples) + ' samples)']];
    for (const t of data.facts.threads) opts.push([String(t.tid), threadLabel(t) + ' (' + fmt(t.samples) + ' samples)']);
    for (const [value, text] of opts) threadSelect.appendChild(Object.assign(document.createElement('option'), { value, textContent: text }));
    if (!opts.some((o) => o[0] === state.thread)) state.thread = 'all';
    threadSelect.value = state.thread;
  }
  threadSelect.addEventListener('change', () => {
    state.thread = threadSelect.value;
    state.zoom = 0;
    refresh();
  });

  function setView(view) {
    state.view = view;
    state.zoom = 0;
    render.scrolled = false;
    for (const v of ['flame', 'inverted', 'baseline']) document.getElementById('view-' + v).classList.toggle('on', v === view);
    refresh();
  }
  document.getElementById('view-flame').addEventListener('click', () => setView('flame'));
  document.getElementById('view-inverted').addEventListener('click', () => setView('inverted'));
  document.getElementById('view-baseline').addEventListener('click', () => setView('baseline'));
  document.getElementById('reset').addEventListener('click', () => zoomTo(0));

  const searchBox = document.getElementById('search');
  function setSearch(text) {
    searchBox.value = text;
    state.search = text.trim();
    applySearch();
    writeHash();
    render();
  }
  let searchTimer = 0;
  searchBox.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setSearch(searchBox.value), 120);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      if (document.activeElement === searchBox && searchBox.value !== '') setSearch('');
      else zoomTo(0);
    } else if (event.key === '/' && document.activeElement !== searchBox) {
      event.preventDefault();
      searchBox.focus();
    }
  });

  // The view, thread, zoom and search live in the address's #fragment, so a view can be shared.
  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.get('view')) state.view = params.get('view');
    if (params.get('thread')) state.thread = params.get('thread');
    if (params.get('search')) state.search = params.get('search');
    if (params.get('zoom')) state.zoom = Number(params.get('zoom')) || 0;
  }
  function writeHash() {
    const params = new URLSearchParams();
    if (state.view !== 'flame') params.set('view', state.view);
    if (state.thread !== 'all') params.set('thread', state.thread);
    if (state.search) params.set('search', state.search);
    if (state.zoom) params.set('zoom', String(state.zoom));
    const hash = params.toString();
    history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
  }

  function refresh() {
    rebuild();
    applySearch();
    writeHash();
    render();
    hotspots();
  }

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 100);
  });

  if (isDiff) setupDiff();
  if (!['flame', 'inverted', 'baseline'].includes(state.view) || (state.view === 'baseline' && !isDiff) || (state.view === 'inverted' && isDiff)) state.view = 'flame';
  for (const v of ['flame', 'inverted', 'baseline']) document.getElementById('view-' + v).classList.toggle('on', v === state.view);
  threadOptions();
  searchBox.value = state.search;
  factsPanel();
  notes();
  refresh();
  document.body.dataset.ready = 'true';
})();
