// A host's hardware: its latest inventory (as the agent sent it, protobuf JSON: camelCase, 64-bit numbers as strings)
// and every inventory since with what changed, newest first.

import { h } from "./dom.js";
import { language, t } from "./i18n.js";
import { formatTime } from "./time.js";
import { formatInUnit } from "./units.js";
import { dataTable, fieldRows } from "./widgets.js";

const size = (bytes) => (bytes === undefined ? "—" : formatInUnit("bytes", Number(bytes), language()));
const orDash = (text) => text || "—";

function latestFields(inventory) {
  const disks = (inventory.disks ?? []).map((disk) =>
    h("div", { class: "token" }, [disk.name, disk.model, disk.serial, size(disk.sizeBytes)].filter(Boolean).join(" · ")));
  const interfaces = (inventory.networkInterfaces ?? []).map((nic) =>
    h("div", { class: "token" }, [nic.name, nic.macAddress, ...(nic.ipAddresses ?? [])].filter(Boolean).join(" · ")));
  return fieldRows([
    ["inventory.cpu", orDash(inventory.cpuModel)],
    ["inventory.cores", `${inventory.cpuCountLogical ?? "—"} / ${inventory.cpuCountPhysical ?? "—"}`],
    ["inventory.memory", size(inventory.memoryTotalBytes)],
    ["inventory.disks", disks.length ? disks : "—"],
    ["inventory.interfaces", interfaces.length ? interfaces : "—"],
    ["inventory.bios", orDash([inventory.biosVendor, inventory.biosVersion].filter(Boolean).join(" "))],
    ["inventory.board_serial", orDash(inventory.boardSerial)],
    ["inventory.system_serial", orDash(inventory.systemSerial)],
    ["inventory.os", orDash(inventory.os)],
  ]);
}

export function hardwareSection(history) {
  if (history.length === 0) return h("p", { class: "empty" }, t("inventory.none"));
  const newestFirst = [...history].reverse();
  const columns = [
    { label: t("inventory.taken"), class: "nowrap", cell: (entry) => formatTime(new Date(entry.timestamp_ms).toISOString(), language()) },
    { label: t("inventory.changes"), cell: (entry) => entry.changes_in?.[language()] || entry.changes
      || t(entry === history[0] ? "inventory.first" : "inventory.unchanged") },
  ];
  return h("div", { class: "hardware" }, latestFields(newestFirst[0].inventory),
    h("h2", {}, t("inventory.history")), dataTable(columns, newestFirst, "", () => "inventory-row"));
}
