// Accord dashboard, the clocks behind a compliance or contract objective figure, as many
// clocks as the figure counts, each linked to its ticket, and the same list as CSV: for a
// compliance count GET /api/v1/compliance/clocks with the page's own query (the figure's
// filters); for an objective (?customer=…&objective=…&period=…[&state=…][&as_of=…])
// GET /api/v1/customers/{customer}/objectives/{objective}/clocks. Uses app.js' helpers.
"use strict";

// the API address of the list the page shows (format: "csv" for its export)
function clocksUrl(qs, format) {
  const objective = qs.get("objective");
  if (!objective) {
    const q = new URLSearchParams(qs);
    if (format) q.set("format", format);
    return `/api/v1/compliance/clocks?${q}`;
  }
  const q = new URLSearchParams();
  for (const name of ["period", "state", "as_of"]) if (qs.get(name)) q.set(name, qs.get(name));
  if (format) q.set("format", format);
  const path = `/api/v1/customers/${encodeURIComponent(qs.get("customer") || "")}/objectives/${encodeURIComponent(objective)}/clocks`;
  return q.toString() ? `${path}?${q}` : path;
}

// the clocks an objective of a customer's contract counts in one period (its figures, its
// error budget's used breaches, its credit line)
function objectiveClocks(d, qs) {
  const what = `${d.state ?? "counted"} clocks of objective ${d.objective}` + (d.contract ? ` (contract ${d.contract})` : "") + ` in ${d.period ?? "the current period"}`;
  const back = `/customers/${encodeURIComponent(d.customer ?? "")}` + (/^\d{4}-\d\d$/.test(d.period || "") ? `?period=${d.period}` : "");
  fill("clocks",
    el("p", {}, el("a", { href: back }, `← ${d.customer ?? "customer"}`), " · ",
      el("a", { href: clocksUrl(qs, "csv"), download: "clocks.csv" }, "Export CSV")),
    el("p", { id: "clocks-count" }, `${d.count} ${what}, judged at ${when(d.as_of)}.`),
    table(`The ${what}`, ["ticket", "metric", "cycle", "priority", "team", "state", "counted at", "due", "business elapsed", "target"],
      d.clocks.map((c) => [el("a", { href: `/tickets/${encodeURIComponent(c.ticket_id)}` }, c.ticket_id), c.metric, c.cycle, c.priority ?? "–",
        c.team ?? "–", el("span", { class: `state state-${c.state}` }, c.state), when(c.counted_at), when(c.due), businessSpan(c.business_elapsed, c.business_day_seconds), businessSpan(c.target, c.business_day_seconds)])));
}

async function clocksPage() {
  const qs = new URLSearchParams(window.location.search);
  const res = await api(clocksUrl(qs));
  if (!res.ok) { fill("clocks", notice(errorText(res, "The clocks behind the figure"), "error")); return; }
  const d = res.data;
  if (qs.get("objective")) { objectiveClocks(d, qs); return; }
  const what = [d.state ?? "all", "clocks", d.by !== "period" ? `of ${d.by} ${qs.get("unset") ? "(none)" : d.key ?? "(any)"}` : "",
    d.label ? `started in ${d.label}` : ""].filter(Boolean).join(" ");
  fill("clocks",
    el("p", {}, el("a", { href: `/compliance?by=${encodeURIComponent(d.by)}&period=${encodeURIComponent(d.period)}` }, "← compliance"), " · ",
      el("a", { href: clocksUrl(qs, "csv"), download: "clocks.csv" }, "Export CSV")),
    el("p", { id: "clocks-count" }, `${d.count} ${what}.`),
    table(`The ${what}`, ["ticket", "metric", "priority", "policy", "team", "customer", "started (month)", "state", "due"],
      d.clocks.map((c) => [el("a", { href: `/tickets/${encodeURIComponent(c.ticket_id)}` }, c.ticket_id), c.metric, c.priority ?? "–",
        c.policy ?? "–", c.team ?? "–", c.customer ?? "–", c.month, el("span", { class: `state state-${c.state}` }, c.state), when(c.due)])));
}

PAGES.clocks = clocksPage;
