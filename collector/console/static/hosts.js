// Hosts and devices with their status, last report and key metrics. Without /api/v1/entities (an older
// collector) the page still lists the connected agents.

import { ApiError, get } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { linkedTo } from "./entity_links.js";
import { language, t } from "./i18n.js";
import { formatTime } from "./time.js";
import { dataTable, errorNotice, statusBadge } from "./widgets.js";

const REFRESH_MS = 10000;
const SHOWN_METRICS = 6;  // a UPS card with room probes: four UPS readings and the room's two

// The collector writes each reading in its unit and names it in both languages (its metric catalogue).
export function metricText(metric) {
  const lang = language();
  const label = metric.label?.[lang] ?? metric.name;
  const text = metric.text?.[lang] ?? String(metric.value);
  return h("div", { class: "reading", "data-reading": metric.name },
    h("span", { class: "reading-label" }, label), " ", metric.target ? h("span", { class: "reading-target token" }, metric.target) : null,
    metric.target ? " " : null, h("span", { class: "reading-value" }, text));
}

// A failing check with what it says, in the reader's language (the agent's own text from an older agent).
function failingChecks(entity) {
  return (entity.checks ?? []).filter((check) => check.status !== "ok")
    .map((check) => h("div", { class: "check-line", "data-check": check.check }, statusBadge(check.status),
      ` ${check.check} ${check.target ?? ""}`,
      h("div", { class: "check-message" }, check.messages?.[language()] || check.message || "")));
}

function entityColumns() {
  return [
    { label: t("entity.name"), class: "title", cell: (e) => linkedTo(e, e.name) },
    { label: t("entity.agent"), class: "agent-id token", cell: (e) => e.agent || "—" },
    { label: t("entity.kind"), cell: (e) => t(`kind.${e.kind}`) },
    { label: t("entity.status"), cell: (e) => statusBadge(e.status) },
    { label: t("entity.last_seen"), cell: (e) => formatTime(e.last_seen, language()) },
    { label: t("entity.open_alerts"), cell: (e) => (e.open_alerts === null ? "—" : String(e.open_alerts)) },
    { label: t("entity.metrics"), cell: (e) => (e.metrics ?? []).slice(0, SHOWN_METRICS).map(metricText) },
    { label: t("entity.checks"), cell: (e) => failingChecks(e) },
  ];
}

function entityFromAgent(agent) {
  return { kind: "host", key: agent.agent_id, name: agent.hostname || agent.agent_id, agent: agent.agent_id,
    status: agent.online ? "ok" : "offline", last_seen: new Date(agent.last_seen_ms).toISOString(), open_alerts: null, metrics: [], checks: [] };
}

async function loadEntities() {
  try {
    return { entities: (await get("/api/v1/entities")).entities, fallback: false };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    return { entities: (await get("/api/v1/agents")).agents.map(entityFromAgent), fallback: true };
  }
}

export function renderHosts(view) {
  const notice = h("div", { class: "notices" });
  const list = h("div", {}, h("p", { class: "empty" }, t("loading")));

  async function refresh() {
    try {
      const { entities, fallback } = await loadEntities();
      replaceChildren(notice, fallback ? h("p", { class: "notice" }, t("entity.fallback")) : null);
      replaceChildren(list, dataTable(entityColumns(), entities, t("entity.none"), (e) => `entity status-row-${e.status}`));
    } catch (error) {
      replaceChildren(notice, errorNotice(error));
    }
  }

  replaceChildren(view, h("h1", {}, t("nav.hosts")), notice, list);
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}
