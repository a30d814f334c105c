// Accord dashboard: business durations in business terms. A clock's business time reads in
// business days of its calendar ("3 business days 3 h" for 30 h on a 9-hour calendar), the
// calendar's business day coming from the API (business_day_seconds, docs/dashboard.md); a
// calendar without one (open around the clock) reads as a plain duration. The exact seconds
// are in the title (hover) and said to screen readers. Uses app.js's el and duration.
"use strict";

// "3 business days 3 h", "1 business day 45 min", "5 h 20 min", "40 s": whole business days
// (floor of seconds ÷ day), then the rest in hours and minutes
function businessDuration(seconds, day) {
  if (seconds === null || seconds === undefined || seconds === "") return "–";
  const n = Number(seconds);
  if (!day || !(day > 0)) return duration(n);
  let s = Math.round(Math.abs(n));
  const days = Math.floor(s / day); s -= days * day;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const parts = [];
  if (days) parts.push(`${days} business day${days === 1 ? "" : "s"}`);
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (!parts.length) parts.push(`${s} s`);
  return (n < 0 ? "−" : "") + parts.join(" ");
}

function secondsText(seconds) {
  const n = Math.round(Number(seconds));
  return `${n.toLocaleString("en")} second${Math.abs(n) === 1 ? "" : "s"}`;
}

// the duration as a node: the words, the exact seconds on hover and for screen readers
function businessSpan(seconds, day) {
  if (seconds === null || seconds === undefined || seconds === "") return "–";
  const exact = secondsText(seconds);
  const title = day > 0 ? `${exact} of business time (a business day: ${duration(day)})` : exact;
  return el("span", { class: "duration", title, "data-seconds": Math.round(Number(seconds)) },
    businessDuration(seconds, day), el("span", { class: "sr-only" }, ` (${exact})`));
}
