// Accord dashboard, the Review page: recommended targets (GET /api/v1/review/targets, with the
// sign-in cookie) and the what-if form (POST /api/v1/review/whatif with the write or admin token
// typed into the form, as a bearer header: the cookie only reads). Uses the helpers of app.js.
"use strict";

function share(v) { return v === null || v === undefined ? "–" : `${(Number(v) * 100).toFixed(2)} %`; }

function pair(a, b) { return a === b ? String(a) : `${a} → ${b}`; }

function points(a, b) {
  if (a === null || a === undefined || b === null || b === undefined) return "–";
  const d = (b - a) * 100;
  return d ? `${d > 0 ? "+" : "−"}${Math.abs(d).toFixed(2)} pt` : "±0";
}

function money(a, b, currency) {
  if (a === b) return `${a ?? "–"} ${currency || ""}`;
  return `${a ?? "–"} → ${b ?? "–"} ${currency || ""}`;
}

function issuesList(error) {
  const items = (error.details || []).filter((d) => d.file || d.message);
  return el("div", { role: "alert" },
    el("p", { class: "error" }, error.message),
    el("ul", { class: "issues" }, items.map((d) =>
      el("li", {}, el("code", {}, `${d.file ?? ""}${d.line ? ":" + d.line : ""}`), ` ${d.severity ?? "error"}: ${d.message}`,
        d.hint ? el("span", { class: "muted" }, ` — ${d.hint}`) : null))));
}

// ---- recommended targets -------------------------------------------------------------------

function recommendation(g, grid) {
  if (g.status === "recommended") return el("strong", {}, g.recommended);
  if (g.status === "undecidable") return el("span", { title: g.reason }, `none yet (at least ${g.at_least})`);
  return el("span", { title: g.reason }, `none up to ${grid[grid.length - 1]}`);
}

async function loadTargets() {
  const form = document.getElementById("targets-form");
  const qs = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) qs.set(k, v);
  fill("targets", notice("Computing…"));
  const res = await api(`/api/v1/review/targets?${qs}`);
  if (!res.ok) { fill("targets", notice(errorText(res, "Recommended targets"), "error")); return; }
  const t = res.data;
  if (!t.groups.length) {
    fill("targets", notice(`No data: no clock with a target started in ${t.periods[0]} to ${t.periods[t.periods.length - 1]}.`));
    return;
  }
  const dims = t.by;
  const rows = t.groups.map((g) => [
    ...dims.map((d) => g.key[d] ?? "–"), g.clocks, g.open,
    g.current.targets.join(" ") || "–",
    g.current.attainment.worst ? `${share(g.current.attainment.worst.value)} (${g.current.attainment.worst.period})` : "–",
    recommendation(g, t.grid),
    g.attainment.worst ? `${share(g.attainment.worst.value)} (${g.attainment.worst.period})` : "–",
    share(g.attainment.median),
    g.breaches.recommended === null ? String(g.breaches.current) : pair(g.breaches.current, g.breaches.recommended),
  ]);
  const parts = [
    el("p", {}, `The smallest target that met ${share(t.attainment)} in every ${t.grain} from ${t.periods[0]} to ${t.periods[t.periods.length - 1]} (${t.tz}); open clocks are censored (Kaplan-Meier), never counted as met.`),
    table("Recommended targets", [...dims, "clocks", "open", "current target", "current: worst period", "recommended", "worst period", "median period", "breaches now → recommended"], rows),
  ];
  if (t.adoption) {
    parts.push(table("Credits if every recommendation had been in force", ["contract", "credits", "change"],
      t.adoption.contracts.map((c) => [c.contract, money(c.credits.current, c.credits.candidate, c.currency), c.credits.delta ?? "–"])));
  } else if (t.adoption_note) {
    parts.push(notice(t.adoption_note));
  }
  fill("targets", ...parts);
}

// ---- what-if -------------------------------------------------------------------------------

function overridesText() {
  return document.getElementById("overrides").value;
}

async function post(path, body, token) {
  const res = await fetch(path, {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (_e) { data = null; }
  return { ok: res.ok, status: res.status, data, location: res.headers.get("Location") };
}

async function poll(location, token) {
  for (;;) {
    const res = await fetch(location, { credentials: "omit", headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });
    const data = await res.json();
    if (!res.ok) return { ok: false, status: res.status, data };
    if (data.state === "done") return { ok: true, status: 200, data: data.result };
    if (data.state === "failed") return { ok: false, status: 500, data: { error: data.error } };
    await new Promise((r) => setTimeout(r, 400));
  }
}

function stepsList(label, steps) {
  return el("div", {}, el("strong", {}, label),
    el("ol", { class: "steps" }, (steps || []).map((s) => el("li", {}, el("strong", {}, s.what), ` ${when(s.at)}: ${s.detail}`))));
}

// a clock's business time under one configuration, in business days of its calendar there
// (the candidate may change a calendar's hours: each side has its own business day)
function side(clock, key) {
  return clock ? businessSpan(clock[key], clock.business_day_seconds) : "–";
}

function changedRow(c, rerun) {
  const a = c.current, b = c.candidate;
  const why = c.explanation
    ? el("details", {}, el("summary", {}, "why"), stepsList("current", c.explanation.current), stepsList("candidate", c.explanation.candidate))
    : el("button", { type: "button", class: "explain" }, "explain");
  if (!c.explanation) why.addEventListener("click", () => rerun(c.ticket_id));
  return [
    el("a", { href: `/tickets/${encodeURIComponent(c.ticket_id)}` }, c.ticket_id), c.metric, c.cycle,
    `${a ? a.state : "none"} → ${b ? b.state : "none"}`,
    el("span", {}, side(a, "target"), " → ", side(b, "target")),
    side(b || a, "business_elapsed"), pair(a ? a.policy ?? "–" : "–", b ? b.policy ?? "–" : "–"), why,
  ];
}

function renderWhatIf(w, rerun) {
  const dims = w.by;
  const cand = w.configurations.candidate;
  const groups = w.groups.map((g) => [
    ...dims.map((d) => g.key[d] ?? "–"),
    pair(g.current.judged, g.candidate.judged), pair(g.current.met, g.candidate.met),
    pair(g.current.breached, g.candidate.breached), share(g.current.compliance), share(g.candidate.compliance),
    points(g.current.compliance, g.candidate.compliance), g.changed_count,
  ]);
  const t = w.total;
  groups.push(["total", ...dims.slice(1).map(() => ""), pair(t.current.judged, t.candidate.judged), pair(t.current.met, t.candidate.met),
    pair(t.current.breached, t.candidate.breached), share(t.current.compliance), share(t.candidate.compliance),
    points(t.current.compliance, t.candidate.compliance), t.changed_count]);
  const changed = w.groups.flatMap((g) => g.changed);
  const shown = changed.slice(0, 200);
  const parts = [
    el("p", { id: "whatif-summary" }, `Candidate: ${cand.overrides.map((o) => `${o.key}: ${o.value}`).join("; ") || cand.source}. ` +
      `${w.window.label ? `Clocks started in ${w.window.label}` : "Every clock"}, judged as of ${when(w.as_of)}: ${w.changed_count} clock(s) change state.`),
    ...w.notes.map((n) => notice(n)),
    ...(cand.warnings || []).map((n) => notice(n)),
    table("Per group: current → candidate", [...dims, "judged", "met", "breached", "compliance now", "candidate", "change", "changed"], groups),
  ];
  if (w.contracts.length) {
    parts.push(table(`Contracts (periods ${[...new Set(w.contracts.flatMap((c) => c.periods))].join(", ") || "none"})`, ["contract", "credits", "change"],
      w.contracts.map((c) => [c.contract, money(c.credits.current, c.credits.candidate, c.currency), c.credits.delta ?? "–"])));
  }
  if (shown.length) {
    parts.push(table(`Clocks whose state changes${changed.length > shown.length ? ` (first ${shown.length} of ${changed.length})` : ""}`,
      ["ticket", "metric", "cycle", "state", "target", "elapsed", "policy", "explanation"], shown.map((c) => changedRow(c, rerun))));
  }
  return parts;
}

async function runWhatIf(tickets) {
  const form = document.getElementById("whatif-form");
  const token = document.getElementById("whatif-token").value.trim();
  if (!token) { fill("whatif", notice("Type a write or admin token to run a what-if.", "error")); return; }
  const data = new FormData(form);
  const body = { overrides: overridesText(), by: (data.get("by") || "metric").split(","), background: true };
  if (data.get("period")) body.period = data.get("period");
  if (tickets) { body.tickets = tickets; body.explain = 500; }
  fill("whatif", notice(tickets ? `Replaying ticket ${tickets.join(", ")}…` : "Replaying every stored event under both configurations…"));
  let res = await post("/api/v1/review/whatif", body, token);
  if (res.status === 202 && res.location) res = await poll(res.location, token);
  if (!res.ok) {
    const error = res.data && res.data.error ? res.data.error : { message: `HTTP ${res.status}`, details: [] };
    fill("whatif", error.code === "config_invalid" ? issuesList(error) : notice(`The what-if failed: ${error.message}`, "error"));
    return;
  }
  fill("whatif", ...renderWhatIf(res.data, (id) => runWhatIf([id])));
}

async function review() {
  const targetsForm = document.getElementById("targets-form");
  targetsForm.addEventListener("submit", (e) => { e.preventDefault(); loadTargets(); });
  document.getElementById("whatif-form").addEventListener("submit", (e) => { e.preventDefault(); runWhatIf(null); });
  await loadTargets();
}

PAGES.review = review;
