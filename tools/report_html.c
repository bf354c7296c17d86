// SPDX-License-Identifier: GPL-2.0-only
/*
 * report_html.c - the picture (`bbmsim compare FILE --html OUT`, `bbmsim run
 * --html OUT`): one self-contained HTML file, no network, no external
 * scripts or fonts. The page carries the JSON report (report_json.c) in a
 * <script type="application/json"> block and draws it with the script below:
 * per level a timeline per PE (windows coloured by severity on lanes, the
 * accesses inside as marks, the opening write and the closing tick as
 * markers labelled with their PC), the windows grouped by cause, and
 * details on hover (SVG <title>) and on click.
 *
 * Every window is one SVG <rect class="win" data-level data-pe>; the DOM
 * check of tests/html_test.sh counts them against the JSON report.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>bbmsim report</title>\n<style>\n"
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}\n"
	"h1{font-size:1.3em}h2{font-size:1.1em;margin-top:2em;border-bottom:1px solid #ccc}\n"
	".verdict{font-weight:bold;margin:.4em 0}.wrong{color:#b00}.risk{color:#b60}.ok{color:#070}\n"
	"svg{display:block;border:1px solid #ddd;background:#fafafa;margin:.5em 0}\n"
	".win{stroke:#333;stroke-width:.5;cursor:pointer}.win:hover{stroke-width:2}\n"
	".sev-violation{fill:#e53935}.sev-abort-possible{fill:#fb8c00}\n"
	".sev-fault-possible{fill:#fdd835}.sev-benign{fill:#90caf9}\n"
	".acc{stroke:#000;stroke-width:1.5}.open{fill:#333}.close{stroke:#070;stroke-width:1.5}\n"
	".fault{fill:#000}.lbl{font-size:10px;fill:#333}.pe{font-size:12px;font-weight:bold}\n"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
	"text-align:left;font-size:12px}th{background:#eee}\n"
	"#details{position:fixed;right:1em;bottom:1em;max-width:40em;max-height:50vh;overflow:auto;"
	"background:#fff;border:1px solid #888;padding:.5em;font:12px monospace;white-space:pre-wrap;"
	"display:none}\n"
	".legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em}\n"
	".legend .sev-violation{background:#e53935}.legend .sev-abort-possible{background:#fb8c00}\n"
	".legend .sev-fault-possible{background:#fdd835}.legend .sev-benign{background:#90caf9}\n"
	"</style></head><body>\n"
	"<h1 id=\"title\">bbmsim report</h1>\n"
	"<div class=\"legend\">window severity:<span class=\"sev-violation\"></span>violation"
	"<span class=\"sev-abort-possible\"></span>abort-possible<span class=\"sev-fault-possible\"></span>"
	"fault-possible<span class=\"sev-benign\"></span>benign &nbsp; &#9660; opening write (PC), "
	"| access inside, &#9679; fault taken, green line: closed</div>\n"
	"<div id=\"levels\"></div><div id=\"details\"></div>\n"
	"<script type=\"application/json\" id=\"bbmsim-report\">";

static const char page_tail[] =
	"</script>\n<script>\n"
	"'use strict';\n(function () {\n"
	"const R = JSON.parse(document.getElementById('bbmsim-report').textContent);\n"
	"const SYM = JSON.parse(document.getElementById('bbmsim-symbols').textContent);\n"
	"const VERDICT = JSON.parse(document.getElementById('bbmsim-verdicts').textContent);\n"
	"const NS = 'http://www.w3.org/2000/svg';\n"
	"function el(tag, attrs, parent, text) {\n"
	"  const e = tag === 'svg' || ['rect','line','text','title','circle','path','g'].includes(tag) ?\n"
	"    document.createElementNS(NS, tag) : document.createElement(tag);\n"
	"  for (const k in attrs) e.setAttribute(k, attrs[k]);\n"
	"  if (text !== undefined) e.textContent = text;\n"
	"  if (parent) parent.appendChild(e);\n"
	"  return e;\n"
	"}\n"
	"function pc(h) { return SYM[h] || h; }\n"
	"function show(obj) { const d = document.getElementById('details');\n"
	"  d.style.display = 'block'; d.textContent = JSON.stringify(obj, null, 2) + '\\n(click to close)';\n"
	"  d.onclick = () => { d.style.display = 'none'; }; }\n"
	"document.getElementById('title').textContent = 'bbmsim: ' + R.scenario + ' (' + R.file + ')' +\n"
	"  (R.complete ? '' : ' (incomplete: ' + R.interrupted_by + ')');\n"
	"const root = document.getElementById('levels');\n"
	"for (const L of R.levels) {\n"
	"  const sec = el('section', {'data-level': L.level}, root);\n"
	"  el('h2', {}, sec, 'BBM level ' + L.level + ' - ' + L.run.end + ' after ' + L.run.ticks + ' ticks');\n"
	"  const V = VERDICT[L.level];\n"
	"  el('div', {class: 'verdict ' + ['ok', 'risk', 'wrong'][V.grade]}, sec, V.text);\n"
	"  el('div', {}, sec, 'knobs: ' + L.knobs);\n"
	"  const ticks = Math.max(1, L.run.ticks), W = 1000, X0 = 60, lane = 12;\n"
	"  const x = t => X0 + (W - X0 - 10) * Math.min(t, ticks) / ticks;\n"
	"  const npes = L.pes.length, lanes = [];\n"
	"  const rows = [];\n"
	"  for (let p = 0; p < npes; p++) {\n"
	"    const ws = L.windows.map((w, i) => [w, i]).filter(([w]) => w.pe === p);\n"
	"    const ends = [];\n"
	"    for (const [w, i] of ws) {\n"
	"      const end = w.close_tick === null ? ticks : w.close_tick;\n"
	"      let k = ends.findIndex(e => e <= w.open_tick);\n"
	"      if (k < 0) { k = ends.length; ends.push(0); }\n"
	"      ends[k] = end + 1; lanes[i] = k;\n"
	"    }\n"
	"    rows.push(Math.max(1, ends.length));\n"
	"  }\n"
	"  const rowY = []; let y = 20;\n"
	"  for (let p = 0; p < npes; p++) { rowY.push(y); y += rows[p] * lane + 24; }\n"
	"  const svg = el('svg', {width: W, height: y + 10, viewBox: '0 0 ' + W + ' ' + (y + 10)}, sec);\n"
	"  for (let p = 0; p < npes; p++) {\n"
	"    el('text', {x: 4, y: rowY[p] + 10, class: 'pe'}, svg, 'PE' + p);\n"
	"    el('line', {x1: X0, x2: W - 10, y1: rowY[p] - 4, y2: rowY[p] - 4, stroke: '#ccc'}, svg);\n"
	"  }\n"
	"  L.windows.forEach((w, i) => {\n"
	"    const end = w.close_tick === null ? ticks : w.close_tick;\n"
	"    const y0 = rowY[w.pe] + lanes[i] * lane;\n"
	"    const r = el('rect', {class: 'win sev-' + w.severity, 'data-level': L.level, 'data-pe': w.pe,\n"
	"      'data-index': i, x: x(w.open_tick), y: y0, width: Math.max(2, x(end) - x(w.open_tick)), height: lane - 2}, svg);\n"
	"    el('title', {}, r, w.kind + ' ' + w.severity + ' on PE' + w.pe + ' VA ' + w.va + '+' + w.size +\n"
	"      '\\nticks ' + w.open_tick + '..' + (w.close_tick === null ? 'end (open)' : w.close_tick) +\n"
	"      '\\nwhy: ' + w.why + '\\nopened by PE' + w.cause.pe + ' at ' + pc(w.cause.pc) + ': ' +\n"
	"      w.cause.old_decoded + ' -> ' + w.cause.new_decoded + '\\nclosed by: ' + (w.closed_by || 'nothing') +\n"
	"      '\\naccesses ' + w.accesses + ' (stale uses ' + w.stale_uses + '), faults ' + w.faults);\n"
	"    r.addEventListener('click', () => show(w));\n"
	"    if (w.access_ticks) for (const t of w.access_ticks)\n"
	"      el('line', {class: 'acc', x1: x(t), x2: x(t), y1: y0, y2: y0 + lane - 2}, svg);\n"
	"    if (w.close_tick !== null)\n"
	"      el('line', {class: 'close', x1: x(end), x2: x(end), y1: y0 - 1, y2: y0 + lane}, svg);\n"
	"  });\n"
	"  const seen = new Set();\n"
	"  for (const w of L.windows) {\n"
	"    const k = w.cause.pe + ':' + w.cause.tick;\n"
	"    if (seen.has(k)) continue; seen.add(k);\n"
	"    const cx = x(w.cause.tick), cy = rowY[w.cause.pe] - 6;\n"
	"    const m = el('path', {class: 'open', d: 'M' + (cx - 4) + ' ' + (cy - 7) + 'h8l-4 7z'}, svg);\n"
	"    el('title', {}, m, 'opening write by PE' + w.cause.pe + ' at ' + pc(w.cause.pc) + ', tick ' + w.cause.tick);\n"
	"    if (seen.size <= 12) el('text', {class: 'lbl', x: cx + 5, y: cy - 1}, svg, pc(w.cause.pc));\n"
	"  }\n"
	"  for (const f of L.faults) {\n"
	"    const c = el('circle', {class: 'fault', cx: x(f.tick), cy: rowY[f.pe] + 4, r: 3}, svg);\n"
	"    el('title', {}, c, f.what + ' ' + f.kind + ' at ' + pc(f.pc) + ', VA ' + f.va + ', tick ' + f.tick);\n"
	"  }\n"
	"  const groups = new Map();\n"
	"  for (const w of L.windows) {\n"
	"    const k = [w.cause.pc, w.cause.level, w.kind, w.severity].join('|');\n"
	"    if (!groups.has(k)) groups.set(k, {w: w, n: 0, pes: new Set(), open: 0, acc: 0, stale: 0});\n"
	"    const g = groups.get(k);\n"
	"    g.n++; g.pes.add(w.pe); g.open += w.close_tick === null; g.acc += w.accesses; g.stale += w.stale_uses;\n"
	"  }\n"
	"  const tb = el('table', {}, sec);\n"
	"  const hr = el('tr', {}, tb);\n"
	"  for (const h of ['windows', 'kind', 'severity', 'PEs', 'opened by', 'why', 'open at end', 'accesses', 'stale uses'])\n"
	"    el('th', {}, hr, h);\n"
	"  for (const g of groups.values()) {\n"
	"    const tr = el('tr', {}, tb);\n"
	"    for (const c of [g.n, g.w.kind, g.w.severity, [...g.pes].map(p => 'PE' + p).join(','),\n"
	"         'PE' + g.w.cause.pe + ' ' + pc(g.w.cause.pc), g.w.why, g.open, g.acc, g.stale]) el('td', {}, tr, String(c));\n"
	"  }\n"
	"  if (L.violations.length) {\n"
	"    const vt = el('table', {}, sec);\n"
	"    const vh = el('tr', {}, vt);\n"
	"    for (const h of ['rule', 'tick', 'PE', 'at', 'what']) el('th', {}, vh, h);\n"
	"    for (const x1 of L.violations) {\n"
	"      const tr = el('tr', {}, vt);\n"
	"      for (const c of [x1.rule, x1.tick, x1.pe, pc(x1.pc), x1.what]) el('td', {}, tr, String(c));\n"
	"    }\n"
	"  }\n"
	"}\n"
	"})();\n"
	"</script>\n</body></html>\n";

/* Write @len bytes of JSON so that no "</" can end the <script> block early. */
static void put_script_safe(FILE *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '<' && i + 1 < len && s[i + 1] == '/')
			fputs("<\\", o);
		else
			fputc(s[i], o);
	}
}

void report_html(FILE *o, const Report *r)
{
	char *json = NULL, pcbuf[96];
	size_t len = 0;
	FILE *m = open_memstream(&json, &len);

	if (!m) {
		fputs("<!-- out of memory -->\n", o);
		return;
	}
	report_json(m, r);
	fclose(m);
	fputs(page_head, o);
	put_script_safe(o, json, len);
	free(json);
	/* The PCs the page shows, as report_pc() names them. */
	fputs("</script>\n<script type=\"application/json\" id=\"bbmsim-symbols\">{", o);
	bool first = true;
	for (size_t i = 0; i < r->nruns; i++) {
		const Window *w;
		const Violation *v;
		const FaultRecord *f;
		size_t nw = analysis_windows(r->runs[i].a, &w), nv = analysis_violations(r->runs[i].a, &v);
		size_t nf = machine_faults(r->runs[i].m, &f);
		for (size_t k = 0; k < nw + nv + nf; k++) {
			uint64_t pc = k < nw ? w[k].cause.pc : k < nw + nv ? v[k - nw].pc : f[k - nw - nv].pc;
			report_pc(r, pc, pcbuf, sizeof(pcbuf));
			fprintf(o, "%s\"0x%llx\":\"", first ? "" : ",", (unsigned long long)pc);
			for (const char *c = pcbuf; *c; c++)
				if (*c != '"' && *c != '\\' && *c != '<')
					fputc(*c, o);
			fputc('"', o);
			first = false;
		}
	}
	/* The verdict of each level, as the text report words it (report_verdict). */
	fputs("}</script>\n<script type=\"application/json\" id=\"bbmsim-verdicts\">{", o);
	for (size_t i = 0; i < r->nruns; i++) {
		char v[320];
		int grade = report_verdict(&r->runs[i], v, sizeof(v));
		fprintf(o, "%s\"%s\":{\"grade\":%d,\"text\":\"", i ? "," : "", bbm_level_name(r->runs[i].level), grade);
		for (const char *c = v; *c; c++)
			if (*c != '"' && *c != '\\' && *c != '<')
				fputc(*c, o);
		fputs("\"}", o);
	}
	fputs("}", o);
	fputs(page_tail, o);
}
