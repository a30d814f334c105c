// Accord dashboard, the rows behind a KPI value: GET /api/v1/kpis/{name}/rows with the page's
// query (kpi, period, group…), as many rows as the value's n, each linked to its ticket, and
// the same list as CSV (durations in seconds there). A ratio or derived KPI says to drill into
// its parts. Uses app.js and durations.js.
"use strict";

// a row's cell: the ticket linked, business time in its calendar's business days, wall-clock
// time plain (both with the exact seconds on hover), anything else as the API has it
function cell(d, r, c) {
  if (c === "ticket_id") return el("a", { href: `/tickets/${encodeURIComponent(r[c])}` }, r[c]);
  if ((d.business_columns || []).includes(c)) return businessSpan(r[c], r.business_day_seconds);
  if ((d.duration_columns || []).includes(c)) return businessSpan(r[c], null);
  return r[c] ?? "–";
}

async function kpiRowsPage() {
  const qs = new URLSearchParams(window.location.search);
  const name = qs.get("kpi") || "";
  qs.delete("kpi");
  const res = await api(`/api/v1/kpis/${encodeURIComponent(name)}/rows?${qs}`);
  if (!res.ok) { fill("kpi-rows", notice(errorText(res, `The rows behind ${name}`), "error")); return; }
  const d = res.data;
  const csv = new URLSearchParams(qs); csv.set("format", "csv");
  // the business day is how a row's business time reads, not a column of its own
  const cols = d.rows.length ? Object.keys(d.rows[0]).filter((c) => c !== "business_day_seconds") : ["ticket_id"];
  fill("kpi-rows",
    el("p", {}, el("a", { href: "/overview" }, "← overview"), " · ",
      el("a", { href: `/api/v1/kpis/${encodeURIComponent(name)}/rows?${csv}`, download: `${name}.csv` }, "Export CSV")),
    el("p", { id: "kpi-rows-count" }, `${d.count} rows behind ${name} in ${d.period ?? "the latest period"}.`),
    table(`Rows behind ${name}`, cols.map((c) => c.replace(/_/g, " ")),
      d.rows.map((r) => cols.map((c) => cell(d, r, c)))));
}

PAGES.kpi_rows = kpiRowsPage;
