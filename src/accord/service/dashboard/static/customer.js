// Accord dashboard, a customer's page: the contract statement of a period (objectives, error
// budget, credits), the current period's budget and burn, compliance by month and the clocks
// at risk. Every figure that counts clocks links to the clocks behind it (/clocks, from
// GET /api/v1/customers/{c}/objectives/{o}/clocks with the figure's period, judged at the
// figure's own instant), which lists as many as the figure counts. Uses app.js' helpers.
"use strict";

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

// a count objective (at most N breaches) says its unit; a share objective is a percentage
function objectiveTarget(o) {
  if (o.kind === "max_breaches") return `at most ${o.target} breach${Number(o.target) === 1 ? "" : "es"}`;
  return txt(o.target);
}

function objectiveValue(o) {
  if (o.kind === "max_breaches") return `${o.value} breach${Number(o.value) === 1 ? "" : "es"}`;
  return o.value_text ?? pct(attainment(o));
}

// Drill-down: a figure of objective `name` in the statement's period links to the clocks
// behind it (/clocks?objective=…), judged at the same instant as the figure, so the list holds
// exactly as many clocks as the figure counts. A rolling window has no name to ask for: it is
// the current one, which ends at that instant.
function drillQuery(s, name, state) {
  const period = /^\d{4}-(\d\d|Q[1-4])$/.test(s.period || "") ? s.period : "current";
  const q = new URLSearchParams({ customer: s.customer, objective: name, period });
  if (s.as_of) q.set("as_of", s.as_of);
  if (state) q.set("state", state);
  return q;
}

function drill(s, name, state, count) {
  if (count === null || count === undefined) return "–";
  const what = state ? `the ${state} clocks` : "the clocks";
  return el("a", { class: "drill", href: `/clocks?${drillQuery(s, name, state)}`, title: `${what} of ${name} behind this figure` }, String(count));
}

// numerator / clocks: met (share objectives) or breached (count objectives) of the counted
// clocks; a statistic's numerator is the statistic itself, no count of clocks
function ratioCell(s, o) {
  const num = o.kind === "met_share" ? drill(s, o.name, "met", o.numerator)
    : o.kind === "max_breaches" ? drill(s, o.name, "breached", o.numerator) : txt(o.numerator);
  return el("span", {}, num, " / ", drill(s, o.name, null, o.denominator));
}

// allowed / used / remaining: the used breaches are the objective's breached clocks
function budgetCell(s, b, name) {
  if (!b) return "–";
  return el("span", { title: b.basis || "" }, `${b.allowed ?? "–"} / `, drill(s, name, "breached", b.used), ` / ${b.remaining ?? "–"}`);
}

function breachesCell(s, o) {
  const tickets = ticketLinks(o.breaches);
  return el("span", {}, drill(s, o.name, "breached", o.breached), tickets === "–" ? "" : [": ", tickets]);
}

// a credit line follows from its objective's clocks: per breach from the breached ones, the
// other schemes from the attainment, met ÷ counted
function creditClocks(s, c, byName) {
  const o = byName.get(c.objective);
  if (!o) return "–";
  return el("span", {}, drill(s, o.name, "breached", o.breached), " breached of ", drill(s, o.name, null, o.denominator), " clocks");
}

function renderStatement(s) {
  const objectives = s.objectives || [];
  const byName = new Map(objectives.map((o) => [o.name, o]));
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
      counts.map((o) => [o.name, objectiveTarget(o), drill(s, o.name, "breached", o.breached), o.status ?? "–"])) : null,
    table(`Objectives, ${s.period}`, ["objective", "target", "numerator / clocks", "value", "result", "error budget (allowed / used / remaining)", "forecast", "breaches"],
      objectives.map((o) => [
        el("span", { title: o.description || "" }, o.name),
        objectiveTarget(o), ratioCell(s, o),
        objectiveValue(o),
        el("span", { class: o.status === "missed" ? "risk-breached" : o.status === "met" ? "state-met" : "" }, o.status ?? "–"),
        budgetCell(s, o.budget, o.name), o.forecast ? `${o.forecast.value_text ?? txt(o.forecast.value)} (${o.forecast.status ?? ""})` : "–",
        breachesCell(s, o)])),
    table(`Service credits, ${s.period}`, ["objective", "scheme", "status", "amount", "clocks behind it", "computation"],
      credits.map((c) => [c.objective ?? c.description ?? "–", c.scheme ?? "–",
        el("span", { title: CREDIT_STATUS[c.status] || "" }, c.status ?? "–"), money(c.amount, cur), creditClocks(s, c, byName), c.computation ?? ""])),
    el("p", {}, `Credits due ${money(totals.due, cur)}; pending or provisional ${money(totals.pending, cur)}; waived ${money(totals.waived, cur)}.`),
    statuses.length ? el("ul", { class: "muted credit-statuses", "aria-label": "What the credit statuses mean" },
      statuses.map((x) => el("li", {}, CREDIT_STATUS[x]))) : null,
  ].filter(Boolean);
}

function renderBudget(b) {
  const items = b.objectives || [];
  return table(`Error budget and burn, ${b.period ?? ""}`, ["objective", "budget (allowed / used / remaining)", "burn rate", "at risk now", "forecast"],
    items.map((o) => [o.name, budgetCell(b, o.budget, o.name),
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
  input.value = fromUrl() || thisMonth();
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
  window.addEventListener("popstate", () => { input.value = fromUrl() || thisMonth(); load(); });
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
      risk.data.items.map((c) => [el("a", { href: `/tickets/${encodeURIComponent(c.ticket_id)}` }, c.ticket_id), c.metric, c.priority ?? "–", when(c.due), businessSpan(c.remaining, c.business_day_seconds), c.risk])));
  }
}

PAGES.customer = customer;
