// Accord dashboard: KPI figures as people read them. Each tile says what the KPI is (its
// label and description from the catalog, GET /api/v1/kpis), its value in its unit, which
// period the value is for, how it compares with the period before and with the target, and
// its band in words as well as in colour. Uses app.js's helpers (el, sparkline, ...).
"use strict";

const BAND_WORDS = { green: "on target", amber: "near target", red: "off target", none: "no target set" };

// a duration as people say it: "3 h 36 min", "2 d 4 h", "45 s"
function humanDuration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const neg = seconds < 0;
  let s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const parts = d ? [`${d} d`, h ? `${h} h` : null] : h ? [`${h} h`, m ? `${m} min` : null] : m ? [`${m} min`] : [`${s} s`];
  return (neg ? "−" : "") + parts.filter(Boolean).join(" ");
}

// `day`: the business day of a KPI of business time on one calendar (the catalog's
// business_day_seconds): its durations read in business days (durations.js)
function unitValue(v, unit, { forecast = false, day = null } = {}) {
  if (v === null || v === undefined || v === "") return "–";
  const n = Number(v);
  if (unit === "duration") return day ? businessDuration(n, day) : humanDuration(n);
  if (unit === "percent") return `${(n * 100).toFixed(1)} %`;
  // counts are whole things: a forecast of 726.59 tickets reads 727
  if (unit === "count") return Math.round(n).toLocaleString();
  return n.toLocaleString(undefined, { maximumFractionDigits: forecast ? 1 : 2 });
}

// a change between two periods, in the unit's own terms (percentage points for shares)
function unitChange(v, unit, day) {
  if (v === null || v === undefined) return "–";
  const n = Number(v);
  const sign = n > 0 ? "+" : n < 0 ? "−" : "±";
  if (unit === "percent") return `${sign}${Math.abs(n * 100).toFixed(1)} pp`;
  return sign + unitValue(Math.abs(n), unit, { day });
}

function periodName(row, tz) {
  const start = new Date(row.period_start), end = new Date(Date.parse(row.period_end) - 1000);
  if (Number.isNaN(start.getTime())) return row.period ?? "";
  const fmt = (d) => d.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: tz || "UTC" });
  const span = fmt(start) === fmt(end) ? fmt(start) : `${fmt(start)} – ${fmt(end)}`;
  // the dates are the period's in the KPI's zone, which may not be the viewer's: named
  return `${row.period} (${span}, ${tz || "UTC"})`;
}

function comparison(row, unit, day) {
  if (row.change === null || row.change === undefined || row.previous === null || row.previous === undefined) {
    return "no figure for the period before";
  }
  let verdict = "";
  if (row.change !== 0 && row.direction) {
    const better = (row.change > 0) === (row.direction === "higher");
    verdict = better ? ", better" : ", worse";
  }
  return `${unitChange(row.change, unit, day)} against the period before (${unitValue(row.previous, unit, { day })})${verdict}`;
}

function targetText(row, unit, day) {
  if (row.target === null || row.target === undefined) return "no target set";
  const op = row.direction === "lower" ? "≤" : "≥";
  return `target ${op} ${unitValue(row.target, unit, { day })}`;
}

function kpiTile(name, series, info) {
  series.sort((a, b) => String(a.period_start).localeCompare(String(b.period_start)));
  const last = series[series.length - 1];
  const unit = last.unit || info.unit;
  const day = unit === "duration" ? info.business_day_seconds || null : null;
  const band = last.band || "none";
  const label = info.label || name.replace(/_/g, " ");
  const value = unitValue(last.value, unit, { day });
  const when = periodName(last, info.tz);
  const soFar = last.current ? `so far (${Math.round((last.elapsed ?? 0) * 100)} % of the period)` : "";
  const points = series.map((r) => `${r.period}: ${unitValue(r.value, unit, { day })}`).join("; ");
  const spark = sparkline(series.map((r) => r.value), `${label}, the last ${series.length} periods: ${points}`);
  spark.append(svg("title", {}, points));
  const forecast = last.current && last.forecast !== null && last.forecast !== undefined
    ? el("p", { class: "meta" }, `Forecast for the whole period: ${unitValue(last.forecast, unit, { forecast: true, day })}` +
      (last.forecast_band ? ` (${BAND_WORDS[last.forecast_band] || last.forecast_band})` : ""))
    : null;
  return el("article", { class: `tile band-${band}`, "data-kpi": name, "aria-label": `${label}: ${value}, ${BAND_WORDS[band] || band}` },
    el("h3", { title: name }, label),
    el("p", { class: "value", title: unit === "duration" && last.value !== null ? `${Math.round(last.value)} seconds${day ? " of business time" : ""}` : null }, value),
    el("p", { class: "meta period" }, `${when}${soFar ? `, ${soFar}` : ""}`),
    el("p", { class: "meta" }, el("span", { class: `band-word band-word-${band}` }, BAND_WORDS[band] || band), ` · ${targetText(last, unit, day)}`),
    el("p", { class: "meta compare" }, comparison(last, unit, day)),
    forecast,
    spark,
    // drill-down: the rows behind the value (as many as its n), GET /api/v1/kpis/{name}/rows
    el("p", { class: "meta" }, el("a", { href: `/kpi-rows?kpi=${encodeURIComponent(name)}&period=${encodeURIComponent(last.period)}` }, `${last.n ?? 0} rows behind it`)),
    info.description ? el("p", { class: "desc" }, info.description) : null);
}

// tiles of a values answer (GET /api/v1/kpis/values), with the catalog's words where known
function kpiTiles(rows, catalog) {
  const info = new Map((catalog || []).map((k) => [k.name, k]));
  const byKpi = new Map();
  for (const r of rows) {
    if (!byKpi.has(r.kpi)) byKpi.set(r.kpi, []);
    byKpi.get(r.kpi).push(r);
  }
  return [...byKpi].map(([name, series]) => kpiTile(name, series, info.get(name) || {}));
}
