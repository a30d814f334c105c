// Accord dashboard, the rows behind a KPI value: GET /api/v1/kpis/{name}/rows with the page's
// query (kpi, period, group…), as many rows as the value's n, each linked to its ticket, and
// the same list as CSV. A ratio or derived KPI says to drill into its parts. Uses app.js.
"use strict";

async function kpiRowsPage() {
  const qs = new URLSearchParams(window.location.search);
  const name = qs.get("kpi") || "";
  qs.delete("kpi");
  const res = await api(`/api/v1/kpis/${encodeURIComponent(name)}/rows?${qs}`);
  if (!res.ok) { fill("kpi-rows", notice(errorText(res, `The rows behind ${name}`), "error")); return; }
  const d = res.data;
  const csv = new URLSearchParams(qs); csv.set("format", "csv");
  const cols = d.rows.length ? Object.keys(d.rows[0]) : ["ticket_id"];
  fill("kpi-rows",
    el("p", {}, el("a", { href: "/overview" }, "← overview"), " · ",
      el("a", { href: `/api/v1/kpis/${encodeURIComponent(name)}/rows?${csv}`, download: `${name}.csv` }, "Export CSV")),
    el("p", { id: "kpi-rows-count" }, `${d.count} rows behind ${name} in ${d.period ?? "the latest period"}.`),
    table(`Rows behind ${name}`, cols.map((c) => c.replace(/_/g, " ")),
      d.rows.map((r) => cols.map((c) => (c === "ticket_id" ? el("a", { href: `/tickets/${encodeURIComponent(r[c])}` }, r[c]) : r[c] ?? "–")))));
}

PAGES.kpi_rows = kpiRowsPage;
