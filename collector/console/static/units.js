// How a value is written in its unit, in zh-CN or en: common/units.py's format_in_unit line for line, so a chart's
// axis and legend read like the collector's texts (0.18 ratio → "18 %", 4560 seconds → "1 h 16 min" / "1 小时 16 分").
// The browser test holds the two against each other.

// Python's f"{x:,.{decimals}f}" rounds the exact binary value and an exact tie to even; toFixed rounds the exact
// value too but a tie away from zero, so a tie is told apart by the digits past the last one kept.
function fixed(value, decimals) {
  const magnitude = Math.abs(value);
  const past = Math.min(40, 100 - decimals);  // digits looked at past the last one kept (toFixed gives at most 100)
  const exact = magnitude.toFixed(decimals + past);
  const kept = exact.slice(0, -past).replace(/\.$/, "");
  const tieToEven = /^50*$/.test(exact.slice(-past)) && Number(kept.slice(-1)) % 2 === 0;
  const [whole, fraction] = (tieToEven ? kept : magnitude.toFixed(decimals)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ",");
  return `${value < 0 ? "-" : ""}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

export function formatNumber(value, decimals = 1) {
  let text = fixed(value, decimals);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" ? "0" : text;
}

export const formatPercent = (ratio) => `${formatNumber(ratio * 100, 1)} %`;

const BINARY_PREFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
const DECIMAL_PREFIXES = ["", "k", "M", "G", "T"];

function scaled(value, base, prefixes) {
  let step = 0;
  while (Math.abs(value) >= base && step < prefixes.length - 1) {
    value /= base;
    step += 1;
  }
  return [value, prefixes[step]];
}

function bytes(value) {
  const [size, prefix] = scaled(value, 1024, BINARY_PREFIXES);
  return `${formatNumber(size, prefix ? 1 : 0)} ${prefix}B`;
}

function bitsPerSecond(bytesPerSecond) {
  const [rate, prefix] = scaled(bytesPerSecond * 8, 1000, DECIMAL_PREFIXES);
  return `${formatNumber(rate, 1)} ${prefix}bit/s`;
}

// Python's round(): half to even (a tie is exact in binary, so it is seen exactly).
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const part = value - floor;
  if (part !== 0.5) return part < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

// [seconds, zh-CN word, en word], largest first
const DURATION_UNITS = [[86400, "天", "d"], [3600, "小时", "h"], [60, "分", "min"], [1, "秒", "s"]];

export function formatDurationInUnit(value, language) {
  const sign = value < 0 ? "-" : "";
  const seconds = Math.abs(value);
  if (seconds > 0 && seconds < 1) return `${sign}${formatNumber(seconds * 1000, 0)} ${language === "zh-CN" ? "毫秒" : "ms"}`;
  let remaining = roundHalfEven(seconds);
  const parts = [];
  for (const [size, zh, en] of DURATION_UNITS) {
    if (remaining >= size || (size === 1 && parts.length === 0)) {
      parts.push(`${Math.floor(remaining / size)} ${language === "zh-CN" ? zh : en}`);
      remaining %= size;
    }
  }
  return sign + parts.slice(0, 2).join(" ");
}

function counted(zh, enOne, enMany) {
  return (value, language) => {
    const number = formatNumber(value, 0);
    if (language === "zh-CN") return `${number} ${zh}`;
    return `${number} ${number === "1" ? enOne : enMany}`;
  };
}

const suffixed = (suffix, decimals = 1) => (value) => `${formatNumber(value, decimals)} ${suffix}`;

const WRITERS = {
  ratio: (value) => formatPercent(value),
  humidity_ratio: (value) => `${formatNumber(value * 100, 1)} %RH`,
  seconds: formatDurationInUnit,
  bytes: (value) => bytes(value),
  bytes_per_second: (value) => `${bytes(value)}/s`,
  link_speed: (value) => bitsPerSecond(value),
  per_second: (value, language) => `${formatNumber(value, 1)} ${language === "zh-CN" ? "次/秒" : "/s"}`,
  celsius: suffixed("°C"),
  volts: suffixed("V"),
  amperes: suffixed("A"),
  watts: suffixed("W", 0),
  hertz: suffixed("Hz"),
  pages: counted("页", "page", "pages"),
  count: (value) => formatNumber(value, 0),
  number: (value) => formatNumber(value, 2),
  code: (value) => BigInt(Math.trunc(value)).toString(),
  info: (value) => formatNumber(value, 0),
};

// `value` written in `unit` ("—" when it is not a number); bool and state values read as numbers here, their
// words belong to the metric (the collector's texts carry them).
export function formatInUnit(unit, value, language) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  return (WRITERS[unit] ?? WRITERS.number)(value, language);
}
