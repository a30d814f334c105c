// Accord dashboard, Trends: one series (SLA compliance, breaches, backlog or any KPI) per week
// or month over a date range, for everyone or a customer and/or a team, from
// GET /api/v1/trends. A uPlot line chart (vendored, /static/dashboard/vendor) with the KPI's
// target line and its green/amber/red bands shaded, values on hover, and a table with the
// same numbers for screen readers. Clicking a point (or a count in the table) opens the rows
// behind it (/kpi-rows, GET /api/v1/kpis/{name}/rows). The choice lives in the address.
// Uses app.js (el, fill, api, …) and figures.js (unitValue, BAND_WORDS).
"use strict";

// colours chosen for contrast on white (WCAG AA for lines and text) and told apart without
// hue too: the value is a solid line with dots, the target a dashed dark grey line
const TREND_COLOURS = { value: "#0d47a1", target: "#37474f", green: "rgba(46,125,50,0.13)", amber: "rgba(249,168,37,0.20)", red: "rgba(198,40,40,0.12)" };
const TREND_FIELDS = ["series", "grain", "from", "to", "customer", "team"];
// the KPI catalog by name: a duration KPI of business time on one calendar day reads in
// business days (its business_day_seconds, durations.js)
const TREND_KPIS = new Map();

function trendDay(d) {
  const k = TREND_KPIS.get(d.kpi);
  return d.unit === "duration" && k && k.business_day_seconds ? k.business_day_seconds : null;
}

// "weeks start Monday 00:00 Europe/Paris": where the periods' boundaries lie (the KPI's zone),
// whatever zone the page shows instants in
function boundaryText(d) {
  const where = d.grain === "week" ? "weeks start Monday 00:00" : d.grain === "month" ? "months start on the 1st at 00:00" : `${d.grain}s start at 00:00`;
  return `${where} ${d.tz}`;
}

// a period as the chart's hover and the table say it: its name and its start instant in the
// viewer's zone ("2026-W49, from 2026-11-30 09:00 GMT+9")
function periodStart(p) { return `${p.period}, from ${when(p.start)}`; }

// the rows behind a point: the KPI rows route with the trend's grid and instant
function trendDrill(d, p) {
  const q = new URLSearchParams({ kpi: d.kpi, period: p.period, grain: d.grain, periods: String(d.periods), as_of: d.as_of });
  if (d.customer) q.append("group", `customer=${d.customer}`);
  if (d.team) q.append("group", `team=${d.team}`);
  return `/kpi-rows?${q}`;
}

// the value axis's range and the bands' limits: green/amber thresholds, or the target alone
function bandLimits(d) {
  if (!d.direction) return [];
  const green = d.bands ? d.bands.green : d.target;
  const amber = d.bands ? d.bands.amber : null;
  if (green === null || green === undefined) return [];
  const lower = d.direction === "lower";
  // each zone as [from, to] in value terms, ±Infinity for open ends
  const zones = [];
  if (amber === null || amber === undefined) {
    zones.push(["green", lower ? -Infinity : green, lower ? green : Infinity], ["red", lower ? green : -Infinity, lower ? Infinity : green]);
  } else {
    zones.push(["green", lower ? -Infinity : green, lower ? green : Infinity],
      ["amber", lower ? green : amber, lower ? amber : green],
      ["red", lower ? amber : -Infinity, lower ? Infinity : amber]);
  }
  return zones;
}

function trendChart(d, width, target) {
  const unit = d.unit, day = trendDay(d);
  const xs = d.points.map((p) => Date.parse(p.start) / 1000);
  const ys = d.points.map((p) => (p.value === null ? null : p.value));
  const goal = d.points.map(() => (d.target === null || d.target === undefined ? null : d.target));
  // at most one period label per 75 px of the chart's width: a year of weeks stays readable
  // one label per 90 px of the plotting area (not of the whole chart: the y axis takes its
  // share, and on a phone the labels ran into each other)
  const plotWidth = (u) => (u.bbox && u.bbox.width ? u.bbox.width / (window.devicePixelRatio || 1) : u.width);
  const every = (u) => Math.max(1, Math.ceil(xs.length / Math.max(1, Math.floor(plotWidth(u) / 90))));
  const zones = bandLimits(d);
  const labels = new Map(d.points.map((p, i) => [xs[i], p.period]));
  const starts = new Map(d.points.map((p, i) => [xs[i], periodStart(p)]));
  const pad = (xs.length > 1 ? (xs[xs.length - 1] - xs[0]) / (xs.length - 1) : 7 * 86400) / 2;
  const fmt = (v) => (v === null || v === undefined ? "–" : unitValue(v, unit, { day }));
  const known = [...ys, d.target, ...(d.bands ? [d.bands.green, d.bands.amber] : [])].filter((v) => typeof v === "number");
  const hi = known.length ? Math.max(...known) : 1, lo = known.length ? Math.min(0, ...known) : 0;
  const opts = {
    width, height: 320,
    title: undefined,
    // half a period of room each side, so the first and last labels are whole
    scales: { x: { time: false, range: () => [xs[0] - pad, xs[xs.length - 1] + pad] },
      y: { range: () => [lo, unit === "percent" ? Math.max(1, hi) : hi * 1.1 || 1] } },
    axes: [
      { label: d.grain === "week" ? "ISO week" : "month", values: (u, splits) => splits.map((v) => labels.get(v) ?? ""),
        splits: (u) => xs.filter((_x, i) => i % every(u) === 0), stroke: "#1b1b1b", grid: { stroke: "#eceff1" } },
      { label: d.label, values: (u, splits) => splits.map(fmt), size: day ? 120 : 80, stroke: "#1b1b1b", grid: { stroke: "#eceff1" },
        // durations step in whole minutes, hours and (business) days
        ...(unit === "duration" ? { incrs: day ? [60, 300, 600, 900, 1800, 3600, 7200, 10800, day / 2, day, 2 * day, 5 * day] : [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800] } : {}) },
    ],
    series: [
      { label: "period", value: (u, v) => (v === null || v === undefined ? "–" : starts.get(v) ?? "") },
      { label: d.label, stroke: TREND_COLOURS.value, width: 2, points: { size: 7, fill: TREND_COLOURS.value }, value: (u, v) => fmt(v) },
      { label: "target", stroke: TREND_COLOURS.target, width: 1.5, dash: [6, 4], points: { show: false }, value: (u, v) => fmt(v), show: d.target !== null && d.target !== undefined },
    ],
    legend: { live: true },
    cursor: { points: { size: 9 }, y: false },
    hooks: {
      // the bands, shaded behind the lines
      drawAxes: [(u) => {
        const ctx = u.ctx, { left, top, width: w, height: h } = u.bbox;
        ctx.save();
        for (const [band, a, b] of zones) {
          const y1 = Number.isFinite(b) ? u.valToPos(b, "y", true) : top;
          const y2 = Number.isFinite(a) ? u.valToPos(a, "y", true) : top + h;
          const ya = Math.max(top, Math.min(y1, y2)), yb = Math.min(top + h, Math.max(y1, y2));
          if (yb > ya) { ctx.fillStyle = TREND_COLOURS[band]; ctx.fillRect(left, ya, w, yb - ya); }
        }
        ctx.restore();
      }],
    },
  };
  const chart = new uPlot(opts, [xs, ys, goal], target);
  // a click on the plot opens the rows behind the point under the cursor
  chart.over.addEventListener("click", () => {
    const i = chart.cursor.idx;
    if (i !== null && i !== undefined && d.points[i]) window.location.assign(trendDrill(d, d.points[i]));
  });
  chart.over.style.cursor = "pointer";
  window.trendChart = chart;  // read by the browser tests to find a point on the canvas
  return chart;
}

function trendTable(d) {
  const unit = d.unit, day = trendDay(d);
  return table(`${d.label} per ${d.grain}${d.customer ? `, customer ${d.customer}` : ""}${d.team ? `, team ${d.team}` : ""} (the chart's figures)`,
    [d.grain === "week" ? "week" : "month", `starts (${viewZone()})`, "value", "band", "rows behind it"],
    d.points.map((p) => [p.period + (p.current ? " (so far)" : ""), when(p.start), unit === "duration" && day ? businessSpan(p.value, day) : unitValue(p.value, unit),
      p.band ? (BAND_WORDS[p.band] || p.band) : "–",
      el("a", { href: trendDrill(d, p), class: "drill", "data-period": p.period }, String(p.n))]));
}

function trendLegend(d) {
  const zones = bandLimits(d);
  const items = [el("li", {}, el("span", { class: "swatch", style: `background:${TREND_COLOURS.value}` }), d.label)];
  if (d.target !== null && d.target !== undefined) {
    items.push(el("li", {}, el("span", { class: "swatch line-dashed" }), `target ${d.direction === "lower" ? "≤" : "≥"} ${unitValue(d.target, d.unit, { day: trendDay(d) })}`));
  }
  for (const [band] of zones) items.push(el("li", {}, el("span", { class: `swatch band-${band}` }), `${band}: ${BAND_WORDS[band]}`));
  if (!zones.length) items.push(el("li", {}, "no target or bands set for this KPI"));
  return el("ul", { class: "legend", "aria-label": "Chart legend" }, items);
}

async function trendOptions(customerScope) {
  const [kpis, customers, teams] = await Promise.all([
    api("/api/v1/kpis"),
    customerScope ? Promise.resolve(null) : api("/api/v1/compliance?by=customer&period=year"),
    api("/api/v1/compliance?by=team&period=year"),
  ]);
  for (const k of kpis.ok ? kpis.data.kpis : []) TREND_KPIS.set(k.name, k);
  const series = document.getElementById("t-series");
  const fixed = [["compliance", "SLA compliance"], ["breaches", "SLA breaches"], ["backlog", "Backlog (unsolved tickets)"]];
  series.replaceChildren(
    el("optgroup", { label: "Series" }, fixed.map(([v, l]) => el("option", { value: v }, l))),
    el("optgroup", { label: "Every KPI" }, (kpis.ok ? kpis.data.kpis : []).map((k) => el("option", { value: `kpi:${k.name}` }, k.label || k.name))));
  const keys = (res) => (res && res.ok ? [...new Set(res.data.groups.map((g) => g.key).filter((k) => k))].sort() : []);
  const cust = document.getElementById("t-customer");
  cust.replaceChildren(el("option", { value: "" }, customerScope ? customerScope : "every customer"),
    ...keys(customers).map((k) => el("option", { value: k }, k)));
  if (customerScope) cust.disabled = true;
  document.getElementById("t-team").replaceChildren(el("option", { value: "" }, "every team"),
    ...keys(teams).map((k) => el("option", { value: k }, k)));
}

function trendQuery() {
  const form = document.getElementById("trend-form");
  const q = new URLSearchParams();
  for (const f of TREND_FIELDS) {
    const v = form.elements[f].value;
    if (v) q.set(f, v);
  }
  return q;
}

function trendFromUrl() {
  const qs = new URLSearchParams(window.location.search);
  const form = document.getElementById("trend-form");
  for (const f of TREND_FIELDS) {
    const input = form.elements[f];
    const v = qs.get(f);
    if (v !== null && (input.tagName !== "SELECT" || [...input.options].some((o) => o.value === v))) input.value = v;
    else if (input.tagName === "SELECT") input.value = f === "series" ? "compliance" : f === "grain" ? "week" : "";
    else input.value = "";
  }
}

async function trendsPage() {
  await trendOptions(document.body.dataset.scopeCustomer);
  trendFromUrl();
  let loading = 0;
  const load = async () => {
    const mine = ++loading;  // a slower answer for an earlier choice must not overwrite this one
    const q = trendQuery();
    const box = document.getElementById("trend");
    box.setAttribute("aria-busy", "true");
    fill("trend", notice("Loading…"));
    const res = await api(`/api/v1/trends?${q}`);
    if (mine !== loading) return;
    box.removeAttribute("aria-busy");
    if (!res.ok) { fill("trend", notice(errorText(res, "The trend"), "error")); return; }
    const d = res.data;
    const form = document.getElementById("trend-form");
    // the range the server chose when none was given, so the pickers show it
    form.elements.from.value = d.from; form.elements.to.value = d.to;
    const head = el("p", { class: "muted", id: "trend-note" },
      `${d.label}: ${d.points.length} ${d.grain}s from ${d.from} to ${d.to}; ${boundaryText(d)}, each shown by its start in your zone (${viewZone()}). ${asOf(d.as_of)} Click a point, or a count in the table, for the rows behind it.`);
    if (!d.points.length) { fill("trend", head, notice("No period of this range has started yet.")); return; }
    const figure = el("figure", { role: "group", "aria-label": `Line chart of ${d.label}; the table below holds the same figures` });
    fill("trend", head, trendLegend(d), figure, trendTable(d));
    const width = Math.max(260, Math.min(1100, figure.clientWidth || 900));
    trendChart(d, width, figure);
  };
  document.getElementById("trend-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = trendQuery();
    if (`?${q}` !== window.location.search) window.history.pushState(null, "", `/trends?${q}`);
    load();
  });
  window.addEventListener("popstate", () => { trendFromUrl(); load(); });
  // the chart follows the page's width (a phone turned, a window resized)
  window.addEventListener("resize", () => {
    const c = window.trendChart;
    if (c && c.root.parentElement) c.setSize({ width: Math.max(260, c.root.parentElement.clientWidth), height: 320 });
  });
  await load();
}

PAGES.trends = trendsPage;
