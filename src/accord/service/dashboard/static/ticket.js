// Accord dashboard, the ticket page: its fields, every clock explained, the internal
// agreements and where the time went (for the teams), and the timeline. Business durations
// read in business days of each clock's calendar (durations.js). Uses app.js's helpers.
"use strict";

// a stopped clock without a target was measured, not met: there was nothing to meet
function clockState(c) {
  return (c.target === null || c.target === undefined) && c.state === "met" ? "measured" : c.state;
}

function clockCard(c) {
  const day = c.business_day_seconds;
  const pauses = (c.explanation || []).filter((s) => s.what === "pause" || s.what === "resume");
  return el("article", { class: "card clock", "aria-label": `${c.metric} cycle ${c.cycle}: ${clockState(c)}` },
    el("h3", {}, `${c.metric} #${c.cycle} — `, el("span", { class: `state state-${clockState(c)}` }, clockState(c))),
    el("dl", { class: "facts" }, [
      ["policy", `${c.policy ?? "–"} v${c.policy_version ?? "–"}`], ["calendar", c.calendar ?? "–"],
      ["target", businessSpan(c.target, day)], ["business elapsed", businessSpan(c.business_elapsed, day)],
      ["paused (business)", businessSpan(c.paused_business, day)], ["remaining", businessSpan(c.remaining, day)],
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
        t.attribution.rows.map((r) => [`${r.metric} #${r.cycle}`, ...dims.map((d) => r[d] ?? "–"), businessSpan(r.business_elapsed, r.business_day_seconds), businessSpan(r.paused_business, r.business_day_seconds)]))
      : notice("No clock counted business time yet."));
  }
  return out;
}

async function ticketPage() {
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

PAGES.ticket = ticketPage;
