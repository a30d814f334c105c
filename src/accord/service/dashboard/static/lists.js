// Accord dashboard: the working lists (the at-risk queue and the ticket list). The page's
// address holds the list's query (its parameters are the API's), so a link shows the same
// list and the back button returns to the previous one. Uses app.js's helpers (el, api, ...).
"use strict";

const LIST_FILTERS = ["search", "customer", "team", "assignee", "priority", "metric", "channel", "state", "due_within"];
// the export reads the API's largest pages (a test shrinks them to cross page boundaries)
const LIST_EXPORT = { page: 500, maxRows: 50000 };

// "in 2h 05m" / "12m ago": wall-clock time to an instant, from the browser's clock
function countdown(iso) {
  if (!iso) return "–";
  const ms = Date.parse(iso) - Date.now();
  if (Number.isNaN(ms)) return "–";
  const text = duration(Math.abs(ms) / 1000);
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

function dueCell(iso) {
  if (!iso) return el("span", { class: "muted" }, "paused");
  return el("span", { class: "due", "data-due": iso, title: when(iso) }, countdown(iso));
}

function tickCountdowns() {
  for (const node of document.querySelectorAll("[data-due]")) {
    const text = countdown(node.dataset.due);
    if (node.textContent !== text) node.textContent = text;
  }
}

// a list's count: the API counts up to a cap and says when more rows match ("10,000+")
function countText(total, capped) {
  const n = Number(total).toLocaleString("en-US");
  return capped ? `${n}+` : n;
}

function ticketLink(id) {
  return el("a", { href: `/tickets/${encodeURIComponent(id)}` }, id);
}

function clockBadge(c) {
  const state = c.state;
  const label = `${c.metric}: ${state}`;
  const open = state === "running" || state === "paused" || (state === "breached" && !c.stop);
  return el("span", { class: `badge badge-${state}`, title: c.due ? `due ${when(c.due)}` : label },
    label, open && c.due ? [" · ", el("span", { "data-due": c.due }, countdown(c.due))] : null);
}

const LIST_PAGES = {
  at_risk: {
    api: "/api/v1/at-risk",
    target: "queue",
    noun: ["open clock", "open clocks"],
    columns: [
      ["ticket", "ticket"], ["metric", "metric"], ["priority", "priority"], ["policy", "policy"],
      ["assignee", "assignee"], ["customer", "customer"], ["team", "team"], ["channel", "channel"],
      ["due", "due"], ["remaining (business)", null], ["risk", null],
    ],
    row: (c) => [ticketLink(c.ticket_id), c.metric, c.priority ?? "–", c.policy ?? "–", c.assignee ?? "–",
      c.customer ?? "–", c.team ?? "–", c.channel ?? "–", dueCell(c.due), businessSpan(c.remaining, c.business_day_seconds),
      el("span", { class: `risk risk-${c.risk}` }, c.risk)],
    seen: (c) => ({ customer: c.customer, team: c.team, assignee: c.assignee, priority: c.priority, metric: c.metric, channel: c.channel }),
  },
  tickets: {
    api: "/api/v1/tickets",
    target: "tickets",
    noun: ["ticket", "tickets"],
    columns: [
      ["ticket", "ticket"], ["customer", "customer"], ["team", "team"], ["priority", "priority"],
      ["status", "status"], ["assignee", "assignee"], ["SLA clocks", null], ["opened", "opened"],
      ["updated", "updated"],
    ],
    row: (t) => [ticketLink(t.ticket_id), t.customer ?? "–", t.team ?? "–", t.priority ?? "–", t.status ?? "–",
      t.assignee ?? "–",
      el("span", { class: "badges" }, t.clocks.filter((c) => c.target !== null && c.target !== undefined).map(clockBadge)),
      when(t.first_event), when(t.last_event)],
    seen: (t) => ({ customer: t.customer, team: t.team, assignee: t.assignee, priority: t.priority,
      metric: t.clocks.map((c) => c.metric), channel: t.clocks.map((c) => c.channel) }),
  },
};

// the list's query as the page's address holds it: filters, sort, offset, limit
function listQuery() {
  const from = new URLSearchParams(window.location.search);
  const q = new URLSearchParams();
  for (const [k, v] of from) if (v && (LIST_FILTERS.includes(k) || ["sort", "offset", "limit"].includes(k))) q.set(k, v);
  return q;
}

function setListQuery(q, replace) {
  const qs = q.toString();
  const url = `${window.location.pathname}${qs ? `?${qs}` : ""}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
}

function showQueryInForm(form, q) {
  for (const name of LIST_FILTERS) {
    const field = form.elements.namedItem(name);
    if (field) field.value = q.get(name) || "";
  }
  document.getElementById("list-limit").value = q.get("limit") || "50";
}

function headerCell(label, key, q, onSort) {
  if (!key) return el("th", { scope: "col" }, label);
  const sort = q.get("sort") || "";
  const current = sort.replace(/^-/, "") === key;
  const descending = current && sort.startsWith("-");
  const th = el("th", { scope: "col", "aria-sort": current ? (descending ? "descending" : "ascending") : "none" },
    el("button", { type: "button", class: "sort", title: `Sort by ${label}` }, label));
  th.querySelector("button").addEventListener("click", () => onSort(current && !descending ? `-${key}` : key));
  return th;
}

function remember(seen, values) {
  for (const [name, v] of Object.entries(values)) {
    for (const one of [v].flat()) if (one) (seen[name] ||= new Set()).add(String(one));
  }
  for (const [name, set] of Object.entries(seen)) {
    const list = document.getElementById(`dl-${name}`);
    if (list && list.options.length !== set.size) {
      list.replaceChildren(...[...set].sort().map((x) => el("option", { value: x })));
    }
  }
}

async function exportCsv(spec, q, button) {
  const base = new URLSearchParams(q);
  base.delete("offset");
  base.set("limit", String(LIST_EXPORT.page));
  base.set("format", "csv");
  button.disabled = true;
  const status = document.getElementById("list-summary");
  const parts = [];
  let total = null;
  let capped = false;
  let more = true; // a capped count says "at least": read on until a page comes back empty
  let read = 0;
  try {
    for (let offset = 0; offset < LIST_EXPORT.maxRows && more && (total === null || capped || offset < total); offset += LIST_EXPORT.page) {
      base.set("offset", String(offset));
      const res = await fetch(`${spec.api}?${base}`, { credentials: "same-origin", headers: { Accept: "text/csv" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      total = Number(res.headers.get("X-Total-Count") || "0");
      capped = res.headers.get("X-Total-Capped") === "true";
      const text = await res.text();
      const lines = text.split("\n");
      more = lines.slice(1).some((l) => l !== "");
      parts.push(parts.length ? lines.slice(1).join("\n") : text);
      read = offset + LIST_EXPORT.page;
      status.textContent = `Exporting… ${(capped ? read : Math.min(read, total)).toLocaleString("en-US")} of ${countText(total, capped)}`;
    }
    const blob = new Blob(parts, { type: "text/csv" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `${spec.target}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    const whole = capped ? read : total; // capped: rows were read up to an empty page
    status.textContent = read >= LIST_EXPORT.maxRows && (capped || total > LIST_EXPORT.maxRows)
      ? `Exported the first ${LIST_EXPORT.maxRows} of ${countText(total, capped)}; narrow the filters for the rest.`
      : `Exported ${capped ? "every" : total} ${whole === 1 ? spec.noun[0] : spec.noun[1]}.`;
  } catch (e) {
    status.textContent = `The export failed: ${e.message}`;
  } finally {
    button.disabled = false;
  }
}

async function workingList(name) {
  const spec = LIST_PAGES[name];
  const form = document.getElementById("list-filters");
  const seen = {};
  let q = listQuery();
  showQueryInForm(form, q);

  const go = (next) => { q = next; setListQuery(q, false); load(); };
  const load = async () => {
    const params = new URLSearchParams(q);
    if (!params.has("limit")) params.set("limit", "50");
    const res = await api(`${spec.api}?${params}`);
    if (!res.ok) {
      fill("list-table", notice(errorText(res, "The list"), "error"));
      fill("list-summary", "");
      return;
    }
    const d = res.data;
    const limit = Number(params.get("limit"));
    const offset = d.offset || 0;
    const onSort = (sort) => { const next = new URLSearchParams(q); next.set("sort", sort); next.delete("offset"); go(next); };
    const rows = d.items.map(spec.row);
    const caption = `${spec.noun[1][0].toUpperCase()}${spec.noun[1].slice(1)}` + (q.get("sort") ? `, sorted by ${q.get("sort").replace(/^-/, "")}${q.get("sort").startsWith("-") ? " (descending)" : ""}` : "");
    fill("list-table", el("div", { class: "table-wrap" }, el("table", { class: "list" },
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, spec.columns.map(([label, key]) => headerCell(label, key, q, onSort)))),
      el("tbody", {}, rows.length ? rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))
        : el("tr", { class: "empty" }, el("td", { colspan: spec.columns.length }, "Nothing matches these filters."))))));
    // a capped total is "at least": the pages go on while they come back full
    const capped = Boolean(d.total_capped);
    const first = (capped ? d.items.length : d.total) ? offset + 1 : 0;
    const last = capped ? (first ? offset + d.items.length : 0) : Math.min(offset + d.items.length, d.total);
    fill("list-summary", `${first}–${last} of ${countText(d.total, capped)} ${d.total === 1 && !capped ? spec.noun[0] : spec.noun[1]}`);
    const pages = Math.max(1, Math.ceil(d.total / limit));
    const here = Math.floor(offset / limit) + 1;
    fill("list-page", capped ? `Page ${here} of ${pages.toLocaleString("en-US")}+` : `Page ${here} of ${pages}`);
    document.getElementById("list-prev").disabled = offset <= 0;
    document.getElementById("list-next").disabled = capped
      ? d.items.length < limit && offset + limit >= d.total
      : offset + limit >= d.total;
    fill("updated", `Updated ${clockTime()}. ${asOf(d.as_of)}`);
    for (const item of d.items) remember(seen, spec.seen(item));
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) next.set(k, String(v).trim());
    if (q.get("sort")) next.set("sort", q.get("sort"));
    if (q.get("limit")) next.set("limit", q.get("limit"));
    go(next);
  });
  form.addEventListener("reset", () => { window.setTimeout(() => go(new URLSearchParams()), 0); });
  const page = (delta) => {
    const limit = Number(q.get("limit") || "50");
    const next = new URLSearchParams(q);
    const offset = Math.max(0, Number(q.get("offset") || "0") + delta * limit);
    if (offset) next.set("offset", String(offset)); else next.delete("offset");
    go(next);
  };
  document.getElementById("list-prev").addEventListener("click", () => page(-1));
  document.getElementById("list-next").addEventListener("click", () => page(1));
  document.getElementById("list-limit").addEventListener("change", (e) => {
    const next = new URLSearchParams(q);
    next.set("limit", e.target.value);
    next.delete("offset");
    go(next);
  });
  document.getElementById("list-export").addEventListener("click", (e) => exportCsv(spec, q, e.target));
  window.addEventListener("popstate", () => { q = listQuery(); showQueryInForm(form, q); load(); });
  await load();
  window.setInterval(load, 30000);
  window.setInterval(tickCountdowns, 1000);
}
