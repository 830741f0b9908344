// Times are UTC on the wire; the console shows them in the collector's zone (Asia/Shanghai unless the
// collector says otherwise), whatever zone the browser is in.

let zone = "Asia/Shanghai";

export function setZone(name) {
  if (name) zone = name;
}

// Every time shown says its zone as an offset, "… (UTC+8)": the reader may be in another one.
export function formatTime(iso, language) {
  if (!iso) return "—";
  const date = new Date(iso);
  const local = new Intl.DateTimeFormat(language, {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).format(date);
  return `${local} (${zoneOffset(date)})`;
}

export function zoneOffset(date) {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" })
    .formatToParts(date).find((part) => part.type === "timeZoneName").value;
  return name.replace("GMT", "UTC");
}

export function formatDuration(seconds, dayUnit) {
  const whole = Math.floor(Math.abs(seconds));
  const days = Math.floor(whole / 86400);
  const clock = [Math.floor((whole % 86400) / 3600), Math.floor((whole % 3600) / 60), whole % 60]
    .map((part) => String(part).padStart(2, "0")).join(":");
  return days > 0 ? `${days}${dayUnit} ${clock}` : clock;
}
