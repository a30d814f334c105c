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
      groups.map((g) => [by === "metric" && g.key ? el("a", { href: `/compliance?by=team&metric=${encodeURIComponent(g.key)}`, title: "by team" }, g.key) : g.key ?? "(none)",
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
        groups.map((g) => [g.key ?? "(none)", g.period,
          ...["met", "breached", "open"].map((s) => clocksLink(by, res.data.period, g, s, filters)), pct(g.compliance)])));
  };
  // the filters a link brought (the overview's "by team" link) fill the form
  for (const [k, v] of new URLSearchParams(window.location.search)) if (form.elements[k]) form.elements[k].value = v;
  form.addEventListener("submit", (e) => { e.preventDefault(); show(); });
  show();
}

function txt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "object") return Object.entries(v).filter(([, x]) => typeof x !== "object" || x === null).map(([k, x]) => `${k.replace(/_/g, " ")} ${x ?? "–"}`).join(", ");
  return String(v);
}

function ticketLinks(list) {
  const ids = [...new Set((list || []).map((b) => (typeof b === "object" ? b.ticket_id : b)))];
  if (!ids.length) return "–";
  return el("span", {}, ids.map((id, i) => [i ? ", " : "", el("a", { href: `/tickets/${encodeURIComponent(id)}` }, id)]).flat());
}

// a share objective's attainment in percent (the API answers a fraction); others have none
function attainment(o) {
  if (o.kind && o.kind !== "met_share") return null;
  const v = o.value ?? o.attainment;
  if (v === null || v === undefined) return null;
  return v <= 1 ? v * 100 : v;
}

// what each credit status means, said where the credits are listed
const CREDIT_STATUS = {
  due: "due: owed for a period that is over (not earned back)",
  provisional: "provisional: the period is not over yet, so the amount can still change",
  pending: "pending: the period is over, but the credit is waived if the objective is met in the next periods (earn-back)",
  waived: "waived: earned back by meeting the objective in the periods after",
};

function money(v, currency) {
  if (v === null || v === undefined || v === "") return "–";
  const n = Number(v);
  const text = Number.isNaN(n) ? String(v) : n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${text} ${currency || ""}`.trim();
}

// a count objective (at most N breaches) says its unit; a share objective is a percentage
function objectiveTarget(o) {
  if (o.kind === "max_breaches") return `at most ${o.target} breach${Number(o.target) === 1 ? "" : "es"}`;
  return txt(o.target);
}

function objectiveValue(o) {
  if (o.kind === "max_breaches") return `${o.value} breach${Number(o.value) === 1 ? "" : "es"}`;
  return o.value_text ?? pct(attainment(o));
}

function renderStatement(s) {
  const objectives = s.objectives || [];
  const credits = Array.isArray(s.credits) ? s.credits : (s.credits && s.credits.lines) || [];
  const fee = s.period_fee ?? s.fee;
  const totals = s.totals || {};
  const cur = s.currency || "";
  const counts = objectives.filter((o) => o.kind === "max_breaches");
  const statuses = [...new Set(credits.map((c) => c.status))].filter((x) => CREDIT_STATUS[x]);
  return [
    el("p", {}, `Contract ${s.contract ?? s.customer} · period ${s.period}` + (fee !== undefined && fee !== null ? ` · fee ${money(fee, cur)}` : "") +
      (s.final === false ? ` · not over yet (as of ${when(s.as_of)})` : "")),
    barChart(`Attainment per share objective, ${s.period}`, objectives.filter((o) => attainment(o) !== null).map((o) => ({ label: o.name, value: attainment(o) }))),
    counts.length ? table(`Breach-count objectives, ${s.period}`, ["objective", "allowed", "breaches", "result"],
      counts.map((o) => [o.name, objectiveTarget(o), objectiveValue(o), o.status ?? "–"])) : null,
    table(`Objectives, ${s.period}`, ["objective", "target", "numerator / clocks", "value", "result", "error budget", "forecast", "breaches"],
      objectives.map((o) => [
        el("span", { title: o.description || "" }, o.name),
        objectiveTarget(o), `${txt(o.numerator)} / ${txt(o.denominator)}`,
        objectiveValue(o),
        el("span", { class: o.status === "missed" ? "risk-breached" : o.status === "met" ? "state-met" : "" }, o.status ?? "–"),
        txt(o.budget), o.forecast ? `${o.forecast.value_text ?? txt(o.forecast.value)} (${o.forecast.status ?? ""})` : "–",
        ticketLinks(o.breaches)])),
    table(`Service credits, ${s.period}`, ["objective", "scheme", "status", "amount", "computation"],
      credits.map((c) => [c.objective ?? c.description ?? "–", c.scheme ?? "–",
        el("span", { title: CREDIT_STATUS[c.status] || "" }, c.status ?? "–"), money(c.amount, cur), c.computation ?? ""])),
    el("p", {}, `Credits due ${money(totals.due, cur)}; pending or provisional ${money(totals.pending, cur)}; waived ${money(totals.waived, cur)}.`),
    statuses.length ? el("ul", { class: "muted credit-statuses", "aria-label": "What the credit statuses mean" },
      statuses.map((x) => el("li", {}, CREDIT_STATUS[x]))) : null,
  ].filter(Boolean);
}

function renderBudget(b) {
  const items = b.objectives || [];
  return table(`Error budget and burn, ${b.period ?? ""}`, ["objective", "budget (allowed / used / remaining)", "burn rate", "at risk now", "forecast"],
    items.map((o) => [o.name,
      o.budget ? `${o.budget.allowed ?? "–"} / ${o.budget.used ?? "–"} / ${o.budget.remaining ?? "–"}` : "–",
      o.burn ? `${o.burn.rate === null || o.burn.rate === undefined ? "–" : Number(o.burn.rate).toFixed(2)} (${o.burn.breaches ?? 0} of ${o.burn.clocks ?? 0} recent clocks; allowed ${o.burn.allowed ?? "–"})` : "–",
      ticketLinks(o.at_risk),
      o.forecast ? `${o.forecast.value_text ?? txt(o.forecast.value)} (${o.forecast.status ?? ""})` : "–"]));
}

async function customer() {
  const name = document.body.dataset.customer;
  const enc = encodeURIComponent(name);
  const input = document.getElementById("period");
  // the month lives in the address (?period=2026-10): a link or a reload shows the same month
  const fromUrl = () => new URLSearchParams(window.location.search).get("period") || "";
  input.value = fromUrl() || new Date().toISOString().slice(0, 7);
  let loading = 0;
  const load = async () => {
    const period = input.value;
    const mine = ++loading;  // a slower answer for an earlier month must not overwrite this one
    document.getElementById("statement-html").href = `/api/v1/customers/${enc}/statement.html?period=${period}`;
    document.getElementById("statement-pdf").href = `/api/v1/customers/${enc}/statement.pdf?period=${period}`;
    for (const id of ["statement", "budget"]) {
      document.getElementById(id).setAttribute("aria-busy", "true");
      fill(id, notice(`Loading ${period}…`));
    }
    fill("figures-as-of", "");
    // the burn-down of the same month (burndown.js, loaded by the customer page)
    if (typeof burndownBlock === "function") burndownBlock(enc, period, () => mine !== loading);
    const [st, bud] = await Promise.all([
      api(`/api/v1/customers/${enc}/statement?period=${period}`),
      api(`/api/v1/customers/${enc}/budget`),
    ]);
    if (mine !== loading) return;
    for (const id of ["statement", "budget"]) document.getElementById(id).removeAttribute("aria-busy");
    fill("statement", ...(st.ok ? renderStatement(st.data) : [notice(errorText(st, "The contract statement"))]));
    fill("figures-as-of", asOf((st.ok && st.data.as_of) || (bud.ok && bud.data.as_of)));
    if (bud.ok) {
      fill("budget", renderBudget(bud.data));
    } else {
      fill("budget", notice(errorText(bud, "The error budget")));
    }
  };
  document.getElementById("period-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.value !== fromUrl()) window.history.pushState(null, "", `${window.location.pathname}?period=${input.value}`);
    load();
  });
  window.addEventListener("popstate", () => { input.value = fromUrl() || new Date().toISOString().slice(0, 7); load(); });
  load();
  const comp = await api(`/api/v1/compliance?by=period&period=month&customer=${enc}`);
  if (comp.ok) {
    const groups = comp.data.groups;
    fill("customer-compliance",
      barChart(`Compliance of ${name} by month`, groups.map((g) => ({ label: g.period, value: g.compliance }))),
      table(`Compliance of ${name} by month`, ["month", "met", "breached", "open", "compliance"], groups.map((g) => [g.period,
        ...["met", "breached", "open"].map((s) => clocksLink("period", "month", g, s, { customer: name })), pct(g.compliance)])));
  } else {
    fill("customer-compliance", notice(errorText(comp, "Compliance"), "error"));
  }
  const risk = await api(`/api/v1/at-risk?customer=${enc}&limit=50`);
  if (risk.ok) {
    fill("customer-risk", table(`Open clocks of ${name}`, ["ticket", "metric", "priority", "due", "remaining", "risk"],
      risk.data.items.map((c) => [el("a", { href: `/tickets/${encodeURIComponent(c.ticket_id)}` }, c.ticket_id), c.metric, c.priority ?? "–", when(c.due), duration(c.remaining), c.risk])));
  }
}

// a stopped clock without a target was measured, not met: there was nothing to meet
function clockState(c) {
  return (c.target === null || c.target === undefined) && c.state === "met" ? "measured" : c.state;
}

function clockCard(c) {
  const pauses = (c.explanation || []).filter((s) => s.what === "pause" || s.what === "resume");
  return el("article", { class: "card clock", "aria-label": `${c.metric} cycle ${c.cycle}: ${clockState(c)}` },
    el("h3", {}, `${c.metric} #${c.cycle} — `, el("span", { class: `state state-${clockState(c)}` }, clockState(c))),
    el("dl", { class: "facts" }, [
      ["policy", `${c.policy ?? "–"} v${c.policy_version ?? "–"}`], ["calendar", c.calendar ?? "–"],
      ["target", duration(c.target)], ["business elapsed", duration(c.business_elapsed)],
      ["paused (business)", duration(c.paused_business)], ["remaining", duration(c.remaining)],
      ["start", when(c.start)], ["stop", when(c.stop)], ["due", when(c.due)], ["breached at", when(c.breached_at)],
    ].map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]).flat()),
    el("p", { class: "muted" }, `${pauses.filter((s) => s.what === "pause").length} pause(s)`),
    el("ol", { class: "steps", "aria-label": "Explanation" },
      (c.explanation || []).map((s) => el("li", {}, el("strong", {}, s.what), ` ${when(s.at)}: ${s.detail}`, s.event_id ? ` (event ${s.event_id})` : ""))));
}

// The internal part of a ticket (its agreements' clocks and where the time went): the API
// sends it to the teams only, never to a customer-scoped token, so it is absent there.
function internalSections(t) {
  if (!t.agreements && !t.attribution) return [];
  const out = [];
  if (t.agreements) {
    const links = t.agreement_links || [];
    out.push(el("h2", { id: "internal-clocks" }, "Internal agreements (OLAs)"));
    out.push(t.agreements.length
      ? el("div", { class: "clocks internal" }, t.agreements.map(clockCard))
      : notice("No internal agreement held this ticket."));
    if (links.length) {
      out.push(table("Internal clocks under each SLA cycle", ["SLA clock", "agreement", "state", "breached at"],
        links.map((x) => [`${x.metric} #${x.cycle}`, `${x.agreement} #${x.agreement_cycle}`, x.state, when(x.breached_at)])));
    }
  }
  if (t.attribution) {
    const dims = t.attribution.dimensions;
    out.push(el("h2", { id: "attribution" }, "Where the time went"));
    out.push(t.attribution.rows.length
      ? table("Business time of each clock by holder", ["clock", ...dims, "business elapsed", "paused (business)"],
        t.attribution.rows.map((r) => [`${r.metric} #${r.cycle}`, ...dims.map((d) => r[d] ?? "–"), duration(r.business_elapsed), duration(r.paused_business)]))
      : notice("No clock counted business time yet."));
  }
  return out;
}

async function ticket() {
  const id = document.body.dataset.ticket;
  const res = await api(`/api/v1/tickets/${encodeURIComponent(id)}`);
  if (!res.ok) { fill("ticket", notice(res.status === 404 ? `There is no ticket '${id}'.` : errorText(res, "The ticket"), "error")); return; }
  const t = res.data;
  fill("ticket",
    el("dl", { class: "facts" }, [["customer", t.customer], ["team", t.team], ["priority", t.priority], ["status", t.status], ["assignee", t.assignee], ["judged at", when(t.as_of)], ["configuration", t.config_version]]
      .map(([k, v]) => [el("dt", {}, k), el("dd", {}, k === "customer" && v ? el("a", { href: `/customers/${encodeURIComponent(v)}` }, v) : v ?? "–")]).flat()),
    el("h2", {}, "Clocks"),
    el("div", { class: "clocks" }, t.clocks.map(clockCard)),
    ...internalSections(t),
    el("h2", {}, "Timeline"),
    table("Events in time order", ["time", "kind", "actor", "public", "fields", "event"],
      t.timeline.map((e) => [when(e.ts), e.kind, e.actor ?? "–", e.public === undefined || e.public === null ? "–" : String(e.public),
        e.fields ? Object.entries(e.fields).map(([k, v]) => `${k}=${v}`).join(", ") : "", e.event_id])));
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
const PAGES = { overview, at_risk: () => workingList("at_risk"), tickets: () => workingList("tickets"), alerts: () => alertPage(), compliance: explorer, customers: () => customersPage(), customer, ticket, failures };

document.addEventListener("DOMContentLoaded", () => {
  zonePicker();
  const page = PAGES[document.body.dataset.page];
  if (page) page().catch((e) => { if (e.message !== "signed out") console.error(e); });
});
