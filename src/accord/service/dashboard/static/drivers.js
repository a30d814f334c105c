// Accord dashboard, the Breach drivers page: GET /api/v1/review/drivers with the sign-in
// cookie; a row's link lists the clocks behind it (the same route with dimension and value),
// whose count equals the row's breached + met clocks, exportable as CSV. Business time reads in
// business days where its clocks share one calendar day (durations.js). Uses app.js' helpers.
"use strict";

const DRIVER_FILTERS = ["period", "customer", "metric"];

function driverQuery(params) {
  const qs = new URLSearchParams();
  for (const k of DRIVER_FILTERS) if (params.get(k)) qs.set(k, params.get(k));
  for (const d of (params.get("by") || "").split(",").map((s) => s.trim()).filter(Boolean)) qs.append("by", d);
  return qs;
}

function pctText(v) { return v === null || v === undefined ? "–" : `${Number(v).toFixed(1)} %`; }

async function behind(params) {
  const qs = driverQuery(params);
  qs.set("dimension", params.get("dimension"));
  if (params.get("value")) qs.set("value", params.get("value"));
  if (params.get("state")) qs.set("state", params.get("state"));
  const res = await api(`/api/v1/review/drivers?${qs}`);
  if (!res.ok) { fill("drivers", notice(errorText(res, "The clocks behind the row"), "error")); return; }
  const d = res.data;
  const csv = new URLSearchParams(qs); csv.set("format", "csv");
  const back = driverQuery(params);
  fill("drivers",
    el("p", {}, el("a", { href: `/drivers?${back}` }, "← all drivers"), " · ",
      el("a", { href: `/api/v1/review/drivers?${csv}`, download: "clocks.csv" }, "Export CSV")),
    el("p", { id: "behind-count" }, `${d.count} clock${d.count === 1 ? "" : "s"} in which ${d.dimension} = ${d.value ?? "(none)"} counted business time.`),
    table(`Clocks behind ${d.dimension} = ${d.value ?? "(none)"}`, ["ticket", "metric", "cycle", "state", "time with holder", "business elapsed", "target"],
      d.clocks.map((c) => [el("a", { href: `/tickets/${encodeURIComponent(c.ticket_id)}` }, c.ticket_id), c.metric, c.cycle,
        el("span", { class: `state state-${c.state}` }, c.state), ...[c.seconds, c.business_elapsed, c.target].map((v) => businessSpan(v, c.business_day_seconds))])));
}

async function drivers() {
  const form = document.getElementById("drivers-form");
  const params = new URLSearchParams(window.location.search);
  for (const k of [...DRIVER_FILTERS, "by"]) if (params.get(k)) form.elements[k].value = params.get(k);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const qs = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) qs.set(k, v);
    window.location.assign(`/drivers?${qs}`);
  });
  if (params.get("dimension")) { await behind(params); return; }
  const qs = driverQuery(params);
  const res = await api(`/api/v1/review/drivers?${qs}`);
  if (!res.ok) { fill("drivers", notice(errorText(res, "The breach drivers"), "error")); return; }
  const d = res.data;
  const sections = d.dimensions.map((dim) => {
    const rows = d.rows.filter((r) => r.dimension === dim);
    // hours and weekdays are local to each clock's calendar, not the viewer's zone: said so
    const local = dim === "hour" || dim === "weekday" ? ` (in each clock's calendar zone)` : "";
    return table(`Breached time by ${dim}${local}`, [dim, "breached time", "contribution", "met share", "excess", "breached clocks", "met clocks"],
      rows.map((r) => {
        const link = new URLSearchParams(params); link.set("dimension", dim);
        if (r.value !== null) link.set("value", r.value); else link.delete("value");
        return [el("a", { href: `/drivers?${link}` }, r.value ?? "(none)"), businessSpan(r.breached_seconds, r.business_day_seconds), pctText(r.contribution),
          pctText(r.met_share), r.excess === null ? "–" : `${r.excess > 0 ? "+" : ""}${r.excess.toFixed(1)} pt`, r.breached_clocks, r.met_clocks];
      }));
  });
  const csv = new URLSearchParams(qs); csv.set("format", "csv");
  fill("drivers",
    el("p", {}, `${d.breached_clocks} breached and ${d.met_clocks} met clocks (${d.window.label ?? "every period"}); breached business time `,
      businessSpan(d.breached_seconds, d.business_day_seconds), ". ",
      el("a", { href: `/api/v1/review/drivers?${csv}`, download: "drivers.csv" }, "Export CSV")),
    ...sections);
}

PAGES.drivers = drivers;
