// Accord dashboard, the customer page's error-budget burn-down: per objective, the breaches
// its budget allows in the chosen period and what is left at the end of each day
// (GET /api/v1/customers/{customer}/burndown), a uPlot line against an even burn and zero,
// with the days in a table beside it. Uses app.js (el, fill, api, table, …).
"use strict";

const BURN_COLOURS = { left: "#0d47a1", even: "#37474f", zero: "#b71c1c" };

function burnChart(o, target, width) {
  const xs = o.days.map((d) => Date.parse(d.end) / 1000);
  const dates = new Map(o.days.map((d, i) => [xs[i], d.date]));
  const whole = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(Number.isInteger(v) ? 0 : 1));
  const every = (u) => Math.max(1, Math.ceil(xs.length / Math.max(1, Math.floor(u.width / 80))));
  return new uPlot({
    width, height: 220,
    // from the allowed breaches (at least one) down to zero, or below it when overspent
    scales: { x: { time: false }, y: { range: () => [Math.min(0, ...o.days.map((d) => d.remaining)), Math.max(1, o.budget.allowed)] } },
    axes: [
      { label: "day", values: (u, splits) => splits.map((v) => (dates.get(v) || "").slice(5)), stroke: "#1b1b1b",
        splits: (u) => xs.filter((_x, i) => i % every(u) === 0), grid: { stroke: "#eceff1" } },
      { label: "breaches left", values: (u, splits) => splits.map(whole), stroke: "#1b1b1b", grid: { stroke: "#eceff1" } },
    ],
    series: [
      { label: "day", value: (u, v) => dates.get(v) || "–" },
      { label: "left", stroke: BURN_COLOURS.left, width: 2, points: { size: 6, fill: BURN_COLOURS.left }, value: (u, v) => whole(v) },
      { label: "even burn", stroke: BURN_COLOURS.even, width: 1.5, dash: [6, 4], points: { show: false }, value: (u, v) => whole(v) },
      { label: "none left", stroke: BURN_COLOURS.zero, width: 1, points: { show: false }, value: (u, v) => whole(v) },
    ],
  }, [xs, o.days.map((d) => d.remaining), o.days.map((d) => d.even), o.days.map(() => 0)], target);
}

async function burndownBlock(enc, period, isStale) {
  const box = document.getElementById("burndown");
  if (!box) return;
  box.setAttribute("aria-busy", "true");
  fill("burndown", notice(`Loading ${period}…`));
  const res = await api(`/api/v1/customers/${enc}/burndown?period=${encodeURIComponent(period)}`);
  if (isStale()) return;
  box.removeAttribute("aria-busy");
  if (!res.ok) { fill("burndown", notice(errorText(res, "The burn-down"))); return; }
  const b = res.data;
  const charts = [];
  const parts = b.objectives.map((o) => {
    if (!o.budget) return el("p", { class: "muted" }, `${o.name}: a ${o.kind} objective has no error budget.`);
    const figure = el("figure", { role: "group", "aria-label": `Burn-down of ${o.name}: the table below holds the same figures` },
      el("figcaption", {}, `${o.name}: ${o.budget.allowed} breaches allowed (${o.budget.basis}), ${o.budget.used} used, ${o.budget.remaining} left`));
    charts.push([o, figure]);
    return el("section", { class: "burn", "data-objective": o.name }, figure,
      el("details", {}, el("summary", {}, `${o.name}, day by day`),
        table(`Budget of ${o.name} left at the end of each day of ${b.period}`, ["day", "breaches", "used", "left", "even burn"],
          o.days.map((d) => [d.date, d.breaches, d.used, d.remaining, Number(d.even).toFixed(1)]))));
  });
  fill("burndown", el("p", { class: "muted" }, `${b.period}${b.final ? "" : ", so far"}: the breaches each objective's budget allows and those left at the end of each day. ${asOf(b.as_of)}`),
    el("div", { class: "burndown" }, parts));
  for (const [o, figure] of charts) {
    if (o.days.length) burnChart(o, figure, Math.max(280, Math.min(640, figure.clientWidth || 600)));
  }
}
