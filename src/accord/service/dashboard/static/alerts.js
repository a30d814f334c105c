// Accord dashboard: the alert delivery log, with acknowledge and snooze on each row. Those
// two write, so they carry a write token typed on the page as a bearer header, for that
// request only (the sign-in cookie only reads: docs/dashboard.md). Uses app.js's helpers.
"use strict";

const ALERT_FILTERS = ["state", "metric", "rule", "customer"];

async function alertWrite(id, action, token, body) {
  const res = await fetch(`/api/v1/alerts/${id}/${action}`, {
    method: "POST",
    credentials: "omit",  // the bearer token alone: a write never rides on the cookie
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body || {}),
  });
  let data = null;
  try { data = await res.json(); } catch (_e) { data = null; }
  return { ok: res.ok, status: res.status, data };
}

async function alertPage() {
  const form = document.getElementById("alert-filters");
  const tokenField = document.getElementById("alert-token");
  const snoozeFor = document.getElementById("alert-snooze-for");
  const say = (text, cls) => fill("alert-action", el("span", { class: cls || "" }, text));
  const fromUrl = () => new URLSearchParams(window.location.search);
  const showInForm = () => {
    const q = fromUrl();
    for (const name of ALERT_FILTERS) {
      const field = form.elements.namedItem(name);
      if (!field) continue;
      const value = q.get(name) || "";
      // a metric the configuration no longer names (an old link) is still shown as chosen
      if (field.tagName === "SELECT" && value && ![...field.options].some((o) => o.value === value)) {
        field.append(el("option", { value }, value));
      }
      field.value = value;
    }
  };

  const act = async (a, action) => {
    const token = tokenField.value.trim();
    if (!token) {
      say("Type a write token above to acknowledge or snooze: the sign-in cookie only reads.", "error");
      tokenField.focus();
      return;
    }
    const body = action === "snooze" ? { for: snoozeFor.value } : {};
    const res = await alertWrite(a.id, action, token, body);
    if (!res.ok) {
      const msg = res.data && res.data.error ? res.data.error.message : `HTTP ${res.status}`;
      say(`Alert ${a.id} was not ${action === "snooze" ? "snoozed" : "acknowledged"}: ${msg}`, "error");
      return;
    }
    say(action === "snooze"
      ? `Alert ${a.id} snoozed until ${when(res.data.snoozed_until)}.`
      : `Alert ${a.id} acknowledged by ${res.data.acknowledged_by}.`);
    await load();
  };

  const actions = (a) => {
    if (a.state === "acknowledged") return "–";
    const ack = el("button", { type: "button", class: "small", "aria-label": `Acknowledge alert ${a.id}` }, "Acknowledge");
    const snooze = el("button", { type: "button", class: "small", "aria-label": `Snooze alert ${a.id}` }, "Snooze");
    ack.addEventListener("click", () => act(a, "acknowledge"));
    snooze.addEventListener("click", () => act(a, "snooze"));
    return el("span", { class: "actions" }, ack, " ", snooze);
  };

  const load = async () => {
    const qs = new URLSearchParams({ limit: "200" });
    for (const [k, v] of fromUrl()) if (v && ALERT_FILTERS.includes(k)) qs.set(k, v);
    const res = await api(`/api/v1/alerts?${qs}`);
    if (!res.ok) { fill("alerts", notice(errorText(res, "The delivery log"), "error")); return; }
    const rows = res.data.items.map((a) => {
      const last = a.attempts.length ? a.attempts[a.attempts.length - 1] : null;
      const handled = a.acknowledged_by ? `acknowledged by ${a.acknowledged_by}, ${when(a.acknowledged_at)}`
        : a.snoozed_until ? `snoozed until ${when(a.snoozed_until)}` : "–";
      const reached = a.held_until ? [when(a.at), el("br"), `held until ${when(a.held_until)}`] : when(a.at);
      const deliveries = `${a.channels.join(", ")}: ${a.attempts.length} attempt${a.attempts.length === 1 ? "" : "s"}` +
        (last && last.error ? `; last: ${last.error}` : "");
      return [a.id, el("span", { class: `alert-state alert-${a.state}` }, a.state), a.rule, a.metric ?? "–",
        a.ticket_id ? el("a", { href: `/tickets/${encodeURIComponent(a.ticket_id)}` }, a.ticket_id) : a.subject,
        a.customer ?? "–", a.threshold, el("span", { class: "when" }, reached), el("span", { class: "deliveries" }, deliveries), handled, actions(a)];
    });
    fill("alerts", table("Alert delivery log, newest first",
      ["id", "state", "rule", "metric", "subject", "customer", "threshold", "reached", "deliveries", "acknowledged or snoozed", "actions"], rows));
    fill("updated", `Updated ${clockTime()}.`);
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, String(v).trim());
    const url = `${window.location.pathname}${q.toString() ? `?${q}` : ""}`;
    if (url !== `${window.location.pathname}${window.location.search}`) window.history.pushState(null, "", url);
    load();
  });
  document.getElementById("alert-token-form").addEventListener("submit", (e) => e.preventDefault());
  window.addEventListener("popstate", () => { showInForm(); load(); });
  showInForm();
  await load();
  window.setInterval(load, 30000);
}
