// Accord dashboard, the clocks behind a compliance figure: GET /api/v1/compliance/clocks with
// the page's own query (the figure's filters), as many clocks as the figure counts, each linked
// to its ticket, and the same list as CSV. Uses app.js' helpers.
"use strict";

async function clocksPage() {
  const qs = new URLSearchParams(window.location.search);
  const res = await api(`/api/v1/compliance/clocks?${qs}`);
  if (!res.ok) { fill("clocks", notice(errorText(res, "The clocks behind the figure"), "error")); return; }
  const d = res.data;
  const csv = new URLSearchParams(qs); csv.set("format", "csv");
  const what = [d.state ?? "all", "clocks", d.by !== "period" ? `of ${d.by} ${qs.get("unset") ? "(none)" : d.key ?? "(any)"}` : "",
    d.label ? `started in ${d.label}` : ""].filter(Boolean).join(" ");
  fill("clocks",
    el("p", {}, el("a", { href: `/compliance?by=${encodeURIComponent(d.by)}&period=${encodeURIComponent(d.period)}` }, "← compliance"), " · ",
      el("a", { href: `/api/v1/compliance/clocks?${csv}`, download: "clocks.csv" }, "Export CSV")),
    el("p", { id: "clocks-count" }, `${d.count} ${what}.`),
    table(`The ${what}`, ["ticket", "metric", "priority", "policy", "team", "customer", "started (month)", "state", "due"],
      d.clocks.map((c) => [el("a", { href: `/tickets/${encodeURIComponent(c.ticket_id)}` }, c.ticket_id), c.metric, c.priority ?? "–",
        c.policy ?? "–", c.team ?? "–", c.customer ?? "–", c.month, el("span", { class: `state state-${c.state}` }, c.state), when(c.due)])));
}

PAGES.clocks = clocksPage;
