// Accord dashboard: fills the page shells from the JSON API (/api/v1), authenticated by the
// HttpOnly cookie of the sign-in. Charts are small hand-drawn SVGs, each with a table beside
// it that carries the same figures for screen readers. No external scripts.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function fill(id, ...nodes) {
  const target = document.getElementById(id);
  if (target) target.replaceChildren(...nodes);
}

function notice(text, cls) {
  return el("p", { class: cls || "muted", role: cls === "error" ? "alert" : null }, text);
}

async function api(path) {
  const res = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (res.status === 401) {
    window.location.assign("/signin");
    throw new Error("signed out");
  }
  let data = null;
  try { data = await res.json(); } catch (_e) { data = null; }
  return { ok: res.ok, status: res.status, data };
}

function errorText(res, what) {
  if (res.status === 404 && res.data && res.data.error && /route|Not Found/i.test(res.data.error.message || "")) {
    return `${what} is not available on this server.`;
  }
  const msg = res.data && res.data.error ? res.data.error.message : `HTTP ${res.status}`;
  return `${what} is not available: ${msg}`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const neg = seconds < 0;
  let s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60);
  const parts = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m || !parts.length) parts.push(`${m}m`);
  return (neg ? "−" : "") + parts.join(" ");
}

// ---- time zones: every instant in the viewer's zone (the browser's unless chosen), named
const ZONE_KEY = "accord.tz";

function validZone(tz) {
  try { new Intl.DateTimeFormat("en", { timeZone: tz }); return true; } catch (_e) { return false; }
}

function browserZone() { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; }

function viewZone() {
  let chosen = null;
  try { chosen = window.localStorage.getItem(ZONE_KEY); } catch (_e) { chosen = null; }
  return chosen && validZone(chosen) ? chosen : browserZone();
}

const ZONED = new Map();
function zoned(tz, seconds) {
  const key = `${tz}|${seconds}`;
  if (!ZONED.has(key)) {
    ZONED.set(key, new Intl.DateTimeFormat("en-GB", {
      timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: seconds ? "2-digit" : undefined, hourCycle: "h23", timeZoneName: "short" }));
  }
  return ZONED.get(key);
}

// "2026-03-02 10:15 CET": the instant in the viewer's zone, with the zone's name
function when(iso, tz) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const seconds = d.getUTCSeconds() !== 0;
  const parts = Object.fromEntries(zoned(tz || viewZone(), seconds).formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ""} ${parts.timeZoneName}`;
}

// today in the viewer's zone, as numbers: the month or quarter a page shows by default is the
// viewer's current one (in UTC it would still be last month on the evening of the 31st in
// New York, or already next month on the 1st in Tokyo)
function zonedToday() {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: viewZone(), year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date()).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

// "2026-03": the viewer's current month
function thisMonth() {
  const t = zonedToday();
  return `${t.year}-${String(t.month).padStart(2, "0")}`;
}

// "09:41:07": a time of day in the viewer's zone
function clockTime(d) {
  return (d || new Date()).toLocaleTimeString("en-GB", { timeZone: viewZone(), hourCycle: "h23" });
}

// the zone picker in the header: the browser's zone by default, any IANA zone chosen
function zonePicker() {
  const select = document.getElementById("tz");
  if (!select) return;
  const current = viewZone(), own = browserZone();
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const names = [...new Set([own, "UTC", ...zones, current])];
  select.replaceChildren(...names.map((z) => el("option", { value: z, selected: z === current }, z === own ? `${z} (this browser)` : z)));
  select.addEventListener("change", () => {
    try {
      if (select.value === own) window.localStorage.removeItem(ZONE_KEY);
      else window.localStorage.setItem(ZONE_KEY, select.value);
    } catch (_e) { /* storage refused: the choice lasts for this page only */ }
    window.location.reload();
  });
}

// "figures as of HH:MM": the instant the server's figures are for (a snapshot may be some
// seconds or minutes old on a large store, see docs/dashboard.md)
function asOf(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `Figures as of ${when(iso)}.`;
}

function pct(v) { return v === null || v === undefined ? "–" : `${Number(v).toFixed(2)} %`; }

function table(caption, headers, rows) {
  return el("div", { class: "table-wrap" },
    el("table", {},
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.length ? rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))
        : el("tr", {}, el("td", { colspan: headers.length }, "Nothing to show.")))));
}

// Horizontal bars of shares (0–100); `items` are {label, value, title}.
function barChart(label, items) {
  const rowH = 24, labelW = 150, plotW = 300, width = labelW + plotW + 70;
  const height = Math.max(1, items.length) * rowH + 8;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart" });
  items.forEach((it, i) => {
    const y = 4 + i * rowH;
    const v = it.value === null || it.value === undefined ? 0 : Math.max(0, Math.min(100, it.value));
    const colour = it.value === null ? "#90a4ae" : v >= 95 ? "#2e7d32" : v >= 85 ? "#f9a825" : "#c62828";
    chart.append(
      svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end", class: "lbl" }, String(it.label).slice(0, 22)),
      svg("rect", { x: labelW, y, width: plotW, height: rowH - 6, fill: "#eceff1" }),
      svg("rect", { x: labelW, y, width: (plotW * v) / 100, height: rowH - 6, fill: colour },
        svg("title", {}, it.title || `${it.label}: ${pct(it.value)}`)),
      svg("text", { x: labelW + plotW + 6, y: y + 15, class: "lbl" }, pct(it.value)));
  });
  return el("figure", {}, chart);
}

function sparkline(values, label) {
  const nums = values.filter((v) => typeof v === "number");
  const w = 120, h = 28;
  const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img", "aria-label": label, class: "spark" });
  if (nums.length < 2) return s;
  const lo = Math.min(...nums), hi = Math.max(...nums), span = hi - lo || 1;
  const pts = nums.map((v, i) => `${((i * (w - 4)) / (nums.length - 1) + 2).toFixed(1)},${(h - 3 - ((v - lo) * (h - 6)) / span).toFixed(1)}`);
  s.append(svg("polyline", { points: pts.join(" "), fill: "none", stroke: "#37474f", "stroke-width": 1.5 }));
  return s;
}

// ---- pages -------------------------------------------------------------------------------

// Drill-down: a compliance count links to the clocks behind it (/clocks, which lists as many
// as the figure counts, GET /api/v1/compliance/clocks), with the figure's own filters.
function clocksLink(by, period, g, state, filters) {
  const q = new URLSearchParams(filters || {});
  q.set("by", by); q.set("period", period); q.set("label", g.period); q.set("state", state);
  if (by !== "period") { if (g.key === null || g.key === undefined) q.set("unset", "true"); else q.set("key", g.key); }
  return el("a", { href: `/clocks?${q}`, title: `the ${state} clocks behind this figure` }, String(g[state]));
}

async function complianceBlock(id, by, extra) {
  const qs = new URLSearchParams({ by, period: "year", ...(extra || {}) });
  const res = await api(`/api/v1/compliance?${qs}`);
  if (!res.ok) { fill(id, notice(errorText(res, "Compliance"), "error")); return; }
  const groups = res.data.groups;
  const items = groups.map((g) => ({ label: g.key ?? "(none)", value: g.compliance }));
  fill(id,
    barChart(`SLA compliance by ${by}`, items),
    table(`SLA compliance by ${by} (met ÷ judged clocks)`, [by, "period", "met", "breached", "open", "compliance"],
      groups.map((g) => [by === "metric" && g.key ? el("a", { href: `/compliance?${new URLSearchParams({ by: "team", period: res.data.period, metric: g.key })}`, title: "by team" }, g.key) : g.key ?? "(none)",
        g.period, ...["met", "breached", "open"].map((s) => clocksLink(by, res.data.period, g, s)), pct(g.compliance)])));
}

async function overview() {
  complianceBlock("by-metric", "metric");
  complianceBlock("by-priority", "priority");
  const [res, catalog] = await Promise.all([api("/api/v1/kpis/values"), api("/api/v1/kpis")]);
  if (!res.ok) { fill("kpis", notice(errorText(res, "KPI values"))); return; }
  fill("kpis-as-of", asOf(res.data && res.data.as_of));
  const rows = res.data.values || [];
  if (!rows.length) { fill("kpis", notice("No KPI values yet.")); return; }
  // figures.js: labels, units, periods, comparisons and bands in words
  fill("kpis", ...kpiTiles(rows, catalog.ok ? catalog.data.kpis : []));
}

// A compliance group leads to the breach drivers of its clocks in its period (/drivers, where
// the breached clocks' time went): a team to the clocks in which it held time, a metric, a
// customer or a period to the drivers of those clocks. The drivers look at the SLA clocks
// only, and have no priority or policy filter: those groups link to none.
function driversLink(by, g, filters) {
  const name = g.key ?? "(none)";
  if (filters.clocks === "agreements" || !["team", "metric", "customer", "period"].includes(by)) return name;
  const q = new URLSearchParams({ period: g.period });
  for (const k of ["customer", "metric"]) if (filters[k]) q.set(k, filters[k]);
  if (by === "metric" || by === "customer") { if (g.key === null || g.key === undefined) return name; q.set(by, g.key); }
  if (by === "team") { q.set("dimension", "team"); if (g.key !== null && g.key !== undefined) q.set("value", g.key); }
  return el("a", { class: "drivers-link", href: `/drivers?${q}`, title: `breach drivers of ${by === "period" ? "the clocks" : name} started in ${g.period}` }, by === "period" ? g.period : name);
}

async function explorer() {
  const form = document.getElementById("filters");
  const show = async () => {
    const data = new FormData(form);
    const qs = new URLSearchParams();
    for (const [k, v] of data) if (v) qs.set(k, v);
    const res = await api(`/api/v1/compliance?${qs}`);
    if (!res.ok) { fill("explorer", notice(errorText(res, "Compliance"), "error")); return; }
    const filters = {};
    for (const k of ["customer", "metric", "clocks"]) if (qs.get(k)) filters[k] = qs.get(k);
    const by = res.data.by;
    const groups = res.data.groups;
    const items = groups.map((g) => ({ label: by === "period" ? g.period : `${g.key ?? "(none)"} ${g.period}`, value: g.compliance }));
    fill("explorer",
      el("p", {}, `Total: ${res.data.total.met} met, ${res.data.total.breached} breached, ${res.data.total.open} open — ${pct(res.data.total.compliance)}`),
      barChart(`Compliance by ${by} and ${res.data.period}`, items),
      table(`Compliance by ${by} and ${res.data.period}`, [by, "period", "met", "breached", "open", "compliance"],
        groups.map((g) => [driversLink(by, g, filters), g.period,
          ...["met", "breached", "open"].map((s) => clocksLink(by, res.data.period, g, s, filters)), pct(g.compliance)])));
  };
  // the filters a link brought (the overview's "by team" link) fill the form
  for (const [k, v] of new URLSearchParams(window.location.search)) if (form.elements[k]) form.elements[k].value = v;
  form.addEventListener("submit", (e) => { e.preventDefault(); show(); });
  show();
}

function money(v, currency) {
  if (v === null || v === undefined || v === "") return "–";
  const n = Number(v);
  const text = Number.isNaN(n) ? String(v) : n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${text} ${currency || ""}`.trim();
}

async function failures() {
  const load = async () => {
    const res = await api("/api/v1/recompute/failures?limit=1000");
    if (!res.ok) { fill("failures", notice(errorText(res, "The list of failed tickets"), "error")); return; }
    const rows = res.data.items.map((f) => [
      el("a", { href: `/tickets/${encodeURIComponent(f.ticket_id)}` }, f.ticket_id),
      f.error, when(f.first_failed_at), when(f.last_failed_at), f.attempts]);
    const more = res.data.total > rows.length ? ` (the first ${rows.length} shown)` : "";
    fill("failures",
      el("p", {}, `${res.data.total} failed ticket${res.data.total === 1 ? "" : "s"}${more}.`),
      table("Tickets whose recompute failed", ["ticket", "error", "first failure", "last failure", "attempts"], rows));
    fill("updated", `Updated ${clockTime()}.`);
  };
  await load();
  window.setInterval(load, 30000);
}

// the working lists live in lists.js (loaded after this file, before DOMContentLoaded)
const PAGES = { overview, at_risk: () => workingList("at_risk"), tickets: () => workingList("tickets"), alerts: () => alertPage(), compliance: explorer, customers: () => customersPage(), failures };

document.addEventListener("DOMContentLoaded", () => {
  zonePicker();
  const page = PAGES[document.body.dataset.page];
  if (page) page().catch((e) => { if (e.message !== "signed out") console.error(e); });
});
