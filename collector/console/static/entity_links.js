// Links to a host's or device's page from what other pages know of it: the entity of an alert, an incident's asset.

import { get } from "./api.js";
import { h } from "./dom.js";

const KNOWN_FOR_MS = 30000;
let known = null;  // { at, entities: Promise<[…]> }

const entityHref = (kind, key) => `#/entities/${encodeURIComponent(kind)}/${encodeURIComponent(key)}`;

// /api/v1/entities, asked at most every 30 s however often the pages that link refresh; [] when it cannot be had.
export function knownEntities() {
  if (!known || Date.now() - known.at > KNOWN_FOR_MS) {
    known = { at: Date.now(), entities: get("/api/v1/entities").then((answer) => answer.entities, () => []) };
  }
  return known.entities;
}

// An incident's asset: the entity of that name, or of that asset number.
export function entityOfAsset(entities, asset) {
  return entities.find((e) => e.name === asset.name)
    ?? (asset.asset_number ? entities.find((e) => e.asset?.asset_number === asset.asset_number) : undefined) ?? null;
}

// `text` as a link to the entity's page, or as it is when there is none.
export const linkedTo = (entity, text) => (entity ? h("a", { href: entityHref(entity.kind, entity.key), class: "entity-link" }, text) : text);
