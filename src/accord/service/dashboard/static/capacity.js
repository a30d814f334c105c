// Accord dashboard, the Review page's capacity section and review report link: the plan from
// history (GET /api/v1/review/capacity), the Erlang calculator (POST /api/v1/review/capacity,
// a computation the sign-in cookie may send) and the link to GET /api/v1/review/report.
// Uses the helpers of app.js and review.js.
"use strict";

function capacityQuery(form) {
  const qs = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim()) qs.set(k, String(v).trim());
  return qs;
}

// Columns of agents needed per interval of the week; staffed intervals shaded, the agents
// given as a line. The table beside it carries the same figures.
function weekChart(g, agents) {
  const n = g.intervals.length, colW = 4, h = 120, top = 10, left = 30;
  const peak = Math.max(1, g.peak_agents_needed, agents || 0);
  const width = left + n * colW + 10;
  const y = (v) => top + h - (h * v) / peak;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${h + top + 22}`, role: "img", class: "chart week",
    "aria-label": `Agents needed per interval of the week, calendar ${g.calendar}: peak ${g.peak_agents_needed}` });
  chart.append(svg("text", { x: left - 4, y: top + 8, "text-anchor": "end", class: "lbl" }, String(peak)),
    svg("text", { x: left - 4, y: top + h, "text-anchor": "end", class: "lbl" }, "0"));
  g.intervals.forEach((i, k) => {
    const x = left + k * colW;
    if (i.open_share > 0) chart.append(svg("rect", { x, y: top, width: colW, height: h, fill: "#e3f2fd", "fill-opacity": i.open_share }));
    if (i.agents_needed > 0) {
      chart.append(svg("rect", { x: x + 0.5, y: y(i.agents_needed), width: colW - 1, height: top + h - y(i.agents_needed),
        fill: i.shortfall > 0 || !i.reachable ? "#c62828" : "#37474f" },
      svg("title", {}, `${i.day} ${i.from}–${i.to}: ${i.agents_needed} needed${i.shortfall ? `, ${i.shortfall} short` : ""}`)));
    }
    if (i.from === "00:00") chart.append(svg("text", { x: x + 2, y: top + h + 14, class: "lbl" }, i.day));
  });
  if (agents !== null && agents !== undefined && agents !== "") {
    chart.append(svg("line", { x1: left, x2: left + n * colW, y1: y(agents), y2: y(agents), stroke: "#e65100", "stroke-dasharray": "4 3" }));
  }
  return el("figure", {}, chart, el("figcaption", { class: "muted" },
    "Bars: agents needed (red: short of the agents given); shading: staffed share of the interval; dashed: the agents given."));
}

function capacityGroup(g, plan) {
  const withAgents = plan.agents !== null && plan.agents !== undefined;
  const who = g.group ? `${g.by} ${g.group} · ` : "";
  const staffedHours = g.intervals.reduce((s, i) => s + i.open_share, 0) * plan.interval_seconds / 3600;
  const shown = g.intervals.filter((i) => i.open_share > 0 || i.arrivals > 0);
  const headers = ["interval", "staffed", "arrivals / week", "Erlang", "agents needed"];
  if (withAgents) headers.push("agents", "in target", "best target", "short");
  const rows = shown.map((i) => {
    const row = [`${i.day} ${i.from}–${i.to}`, `${Math.round(i.open_share * 100)} %`, i.arrivals.toFixed(2),
      i.erlangs === null ? "closed" : i.erlangs.toFixed(2), `${i.agents_needed}${i.limited_by === "opening backlog" ? "*" : ""}`];
    if (withAgents) {
      row.push(i.erlangs === null ? "" : String(i.agents), share(i.service_level),
        !i.reachable ? "never" : i.best_target_seconds === null ? "–" : duration(i.best_target_seconds), i.shortfall ? `+${i.shortfall}` : "");
    }
    return row;
  });
  const parts = [
    el("h3", {}, `${who}calendar ${g.calendar} (${g.tz})`),
    el("p", { class: "capacity-summary" }, `${g.arrivals} arrivals (${g.deferred} while closed) over ${g.weeks.toFixed(1)} weeks; ` +
      `handle time ${duration(g.aht_seconds)} (${g.aht_source}); staffed ${staffedHours.toFixed(1)} h a week; ` +
      `peak ${g.peak_agents_needed} agent(s) needed.`),
    weekChart(g, plan.agents),
  ];
  if (withAgents) {
    const short = g.shortfalls;
    parts.push(short.length
      ? el("div", { class: "shortfalls" }, el("p", { class: "error" }, `${short.length} interval(s) short of agents with ${plan.agents}:`),
        el("ul", { class: "list" }, short.map((i) => el("li", {}, `${i.day} ${i.from}–${i.to}: ${i.agents_needed} needed, ` +
          (i.reachable ? `${i.shortfall} short (${share(i.service_level)} in target)` : "no target reachable")))))
      : el("p", { class: "shortfalls" }, `No shortfall: ${plan.agents} agent(s) meet ${share(plan.service_level_goal)} in target in every staffed interval.`));
  }
  parts.push(table(`Intervals of the week that are staffed or have arrivals (${g.tz})`, headers, rows));
  for (const n of g.notes) parts.push(notice(n));
  return parts;
}

async function loadCapacity() {
  const qs = capacityQuery(document.getElementById("capacity-form"));
  fill("capacity", notice("Computing…"));
  const res = await api(`/api/v1/review/capacity?${qs}`);
  if (!res.ok) { fill("capacity", notice(errorText(res, "The capacity plan"), "error")); return; }
  const plan = res.data;
  if (!plan.groups.length) { fill("capacity", notice("No data: no arrivals in the range.")); return; }
  fill("capacity", ...plan.notes.map((n) => notice(n)), ...plan.groups.flatMap((g) => capacityGroup(g, plan)));
}

async function calculate() {
  const body = {};
  for (const [k, v] of new FormData(document.getElementById("calculator-form"))) {
    const text = String(v).trim();
    if (!text) continue;
    body[k] = ["calls", "service_level"].includes(k) ? Number(text) : k === "agents" ? parseInt(text, 10) : text;
  }
  fill("calculator", notice("Computing…"));
  const res = await fetch("/api/v1/review/capacity", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (_e) { data = null; }
  if (!res.ok) { fill("calculator", notice(errorText({ status: res.status, data }, "The calculator"), "error")); return; }
  const within = duration(data.answer_within_seconds);
  const rows = [
    ["model", data.model === "erlang_a" ? "Erlang A" : "Erlang C"],
    ["load", `${data.erlangs.toFixed(2)} Erlang`],
    ["agents", String(data.agents)],
    ["P(wait)", share(data.p_wait)],
    ...(data.p_abandon === null ? [] : [["P(abandon)", share(data.p_abandon)]]),
    [`answered within ${within}`, share(data.service_level)],
    ["average speed of answer", data.asa_seconds === null ? "infinite" : `${data.asa_seconds.toFixed(2)} s`],
    ...(data.occupancy === null ? [] : [["occupancy", share(data.occupancy)]]),
    ...(data.agents_needed === null ? [] : [[`agents needed for ${share(data.service_level_goal)} within ${within}`, String(data.agents_needed)]]),
  ];
  fill("calculator", table("Erlang calculator", ["figure", "value"], rows), ...(data.message ? [notice(data.message)] : []));
}

// the viewer's current quarter (in the viewer's zone, as every date the pages choose)
function thisQuarter() { const t = zonedToday(); return `${t.year}-Q${Math.floor((t.month - 1) / 3) + 1}`; }

function reportLink() {
  const form = document.getElementById("report-form");
  const period = form.elements.period;
  if (!period.value.trim()) period.value = thisQuarter();
  const link = document.getElementById("report-link");
  link.href = `/api/v1/review/report?${capacityQuery(form)}`;
  link.textContent = `Open the review report of ${period.value.trim()} (${form.elements.format.value.toUpperCase()})`;
}

function initCapacity() {
  document.getElementById("capacity-form").addEventListener("submit", (e) => { e.preventDefault(); loadCapacity(); });
  document.getElementById("calculator-form").addEventListener("submit", (e) => { e.preventDefault(); calculate(); });
  const report = document.getElementById("report-form");
  report.addEventListener("input", reportLink);
  report.addEventListener("change", reportLink);
  report.addEventListener("submit", (e) => e.preventDefault());
  reportLink();
}

const reviewTargets = PAGES.review;
PAGES.review = async () => {
  initCapacity();
  await Promise.all([reviewTargets(), loadCapacity()]);
};
