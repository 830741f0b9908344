// Times are UTC on the wire; the console shows them in the collector's zone (Asia/Shanghai unless the
// collector says otherwise), whatever zone the browser is in.

let zone = "Asia/Shanghai";

export function setZone(name) {
  if (name) zone = name;
}

export function formatTime(iso, language) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(language, {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).format(new Date(iso));
}

export function formatDuration(seconds, dayUnit) {
  const whole = Math.floor(Math.abs(seconds));
  const days = Math.floor(whole / 86400);
  const clock = [Math.floor((whole % 86400) / 3600), Math.floor((whole % 3600) / 60), whole % 60]
    .map((part) => String(part).padStart(2, "0")).join(":");
  return days > 0 ? `${days}${dayUnit} ${clock}` : clock;
}
