// Accord dashboard: the customers page. Each customer with clocks, and for those with a
// contract its standing in the current contract period: objectives met, at risk or missed,
// the error budget left, the credits due and pending. Uses app.js's helpers.
"use strict";

// an objective's standing now: missed (below its target), at risk (meeting it so far, but the
// forecast misses it or no breach is left in its budget) or met
function standing(o) {
  if (o.status === "missed") return "missed";
  const noneLeft = o.budget && o.budget.remaining !== null && o.budget.remaining !== undefined && o.budget.remaining <= 0 && o.budget.allowed !== null;
  if ((o.forecast && o.forecast.status === "missed") || noneLeft) return "at risk";
  return o.status === "met" ? "met" : "not judged";
}

const STANDING_ORDER = ["missed", "at risk", "met", "not judged"];

// "N of M left": the budget's used breaches are the objective's breached clocks in the
// period, listed by /clocks (judged at the statement's instant, so the list is as long as
// the breaches used)
function usedLink(s, o) {
  const period = /^\d{4}-(\d\d|Q[1-4])$/.test(s.period || "") ? s.period : "current";
  const q = new URLSearchParams({ customer: s.customer, objective: o.name, period, state: "breached" });
  if (s.as_of) q.set("as_of", s.as_of);
  return el("a", { class: "drill", href: `/clocks?${q}`, title: `the ${o.budget.used} breached clocks of ${o.name} that used its budget` },
    `${o.name}: ${Math.max(0, o.budget.remaining)} of ${o.budget.allowed} left`);
}

function customerRow(name, compliance, res) {
  const link = el("a", { href: `/customers/${encodeURIComponent(name)}` }, name);
  const comp = pct(compliance);
  if (!res.ok) {
    const why = res.status === 404 ? "no contract" : errorText(res, "The statement");
    return [link, comp, el("span", { class: "muted" }, why), "–", "–", "–", "–"];
  }
  const s = res.data;
  const groups = {};
  for (const o of s.objectives || []) (groups[standing(o)] ||= []).push(o.name);
  const worst = STANDING_ORDER.find((k) => groups[k]) || "not judged";
  const counts = STANDING_ORDER.filter((k) => groups[k]).map((k) =>
    el("span", { class: `standing standing-${k.replace(" ", "-")}`, title: groups[k].join(", ") }, `${groups[k].length} ${k}`));
  const budgets = (s.objectives || []).filter((o) => o.budget && o.budget.allowed !== null && o.budget.allowed !== undefined)
    .map((o) => usedLink(s, o));
  const t = s.totals || {};
  return [link, comp, el("strong", { class: `standing standing-${worst.replace(" ", "-")}` }, worst),
    el("span", { class: "counts" }, counts.flatMap((c, i) => (i ? [", ", c] : [c]))),
    budgets.length ? el("span", {}, budgets.flatMap((b, i) => (i ? ["; ", b] : [b]))) : "–",
    `due ${money(t.due, s.currency)}; pending ${money(t.pending, s.currency)}`,
    `${s.period}${s.final === false ? " (so far)" : ""}`];
}

async function customersPage() {
  const res = await api("/api/v1/compliance?by=customer&period=year");
  if (!res.ok) { fill("customers", notice(errorText(res, "Customers"), "error")); return; }
  const byName = new Map();
  for (const g of res.data.groups) if (g.key) byName.set(g.key, g.compliance);
  const names = [...byName.keys()].sort();
  if (!names.length) { fill("customers", notice("No customer has clocks yet.")); return; }
  fill("customers", notice(`Loading the contract standing of ${names.length} customers…`));
  const statements = await Promise.all(names.map((n) => api(`/api/v1/customers/${encodeURIComponent(n)}/statement`)));
  fill("customers",
    table("Customers and their contracts in the current period",
      ["customer", "SLA compliance (this year)", "standing", "objectives", "error budget left", "credits", "period"],
      names.map((n, i) => customerRow(n, byName.get(n), statements[i]))),
    el("p", { class: "muted" }, "Standing: missed (an objective is below its target), at risk (met so far, but its forecast misses it or its error budget has no breach left), met. Credits: due are owed for a period that is over; pending ones (and provisional ones, of a period not over) may still change or be earned back."));
}
