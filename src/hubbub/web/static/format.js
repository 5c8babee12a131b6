// Times, days and names as the client shows them.

export function tsDate(ts) {
  return new Date(Number(String(ts).split(".")[0]) * 1000);
}

export function dayKey(ts) {
  const d = tsDate(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(ts, now = new Date()) {
  const d = tsDate(ts);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const days = Math.round((today - that) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const opts = { weekday: "long", month: "long", day: "numeric" };
  if (d.getFullYear() !== now.getFullYear()) opts.year = "numeric";
  return d.toLocaleDateString(undefined, opts);
}

export function clock(ts) {
  return tsDate(ts).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
}

export function displayName(user) {
  if (!user) return "";
  const p = user.profile ?? {};
  return p.display_name || p.real_name || user.real_name || user.name || user.id;
}

export function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? "?").slice(0, 2)).toUpperCase();
}

// One of a few colours that keep white text above 4.5:1 contrast, picked by id.
const COLOURS = ["#1264a3", "#7c3085", "#2b6a3f", "#a2301f", "#5a4a9c", "#935800", "#0b6472"];
export function colourFor(id) {
  let sum = 0;
  for (const ch of String(id)) sum = (sum * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[sum % COLOURS.length];
}

// A size in bytes as people read it: 812 B, 12 KB, 3.4 MB, 1.2 GB (powers of 1,024, as Slack).
export function fileSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} ${units[unit]}`;
}
