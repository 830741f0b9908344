// Times are UTC on the wire; the console shows them in the collector's zone (Asia/Shanghai unless the
// collector says otherwise), whatever zone the browser is in.

let zone = "Asia/Shanghai";

export function setZone(name) {
  if (name) zone = name;
}

export function zoneName() {
  return zone;
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

// A wall time typed into a datetime-local input ("2026-12-03T22:40"), read in the collector's zone, as an
// RFC 3339 UTC string: the zone's offset at that moment is found by formatting a first guess in the zone.
export function zonedInputToIso(value) {
  const [date, clock] = value.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = clock.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
  }).formatToParts(new Date(wall)).map((part) => [part.type, Number(part.value)]));
  const shown = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  return new Date(wall - (shown - wall)).toISOString();
}

// The other way: a moment as a datetime-local input's value in the collector's zone ("2026-12-03T22:40").
export function zonedInputValue(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
