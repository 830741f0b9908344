// Runbooks (处置手册): a rule's runbook in zh-CN or en as the collector renders it (GET /api/v1/runbooks/<name>),
// on its own page (#/runbooks/<name>?language=…) and as a section of the alert and incident pages.
// The collector's HTML is copied node by node into new elements: only the Markdown subset's elements, no
// attributes, every text a text node, so not even a faulty answer can put markup or script on the page.

import { get } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { LANGUAGES, LANGUAGE_NAMES, language, t } from "./i18n.js";
import { errorNotice } from "./widgets.js";

const ELEMENTS = new Set(["H1", "H2", "H3", "H4", "H5", "H6", "P", "UL", "OL", "LI", "STRONG", "CODE"]);

export const runbookHref = (name, chosen) => `#/runbooks/${encodeURIComponent(name)}${chosen ? `?language=${chosen}` : ""}`;

// A rule name may break between its words (HostFilesystem|Full), never inside one.
export const breakable = (name) => name.split(/(?=[A-Z])/).flatMap((word, index) => (index ? [h("wbr"), word] : [word]));

export function runbookLink(name) {
  return h("a", { href: runbookHref(name), class: "runbook-link" }, breakable(name));
}

function copied(node) {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent;
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const children = [...node.childNodes].map(copied);
  return ELEMENTS.has(node.tagName) ? h(node.tagName.toLowerCase(), {}, children) : children;
}

async function runbookBody(name, chosen) {
  const { html } = await get(`/api/v1/runbooks/${encodeURIComponent(name)}?language=${encodeURIComponent(chosen)}`);
  return [...new DOMParser().parseFromString(html, "text/html").body.childNodes].map(copied);
}

// On the runbook's page the links change the address (so it can be shared); in a section they switch in place.
function languageLinks(name, chosen, choose) {
  return h("div", { class: "runbook-languages" }, LANGUAGES.map((code) => h("a", {
    href: runbookHref(name, code), lang: code, "aria-current": code === chosen ? "true" : null, "data-language": code,
    onclick: choose && ((event) => {
      event.preventDefault();
      choose(code);
    }),
  }, LANGUAGE_NAMES[code])));
}

// A runbook as a block: its name (a link to its page unless `onItsPage`), the language switch, the text.
export function runbookSection(name, { chosen = language(), heading = "h2", onItsPage = false } = {}) {
  const section = h("section", { class: "runbook", "data-runbook": name });
  async function show(code) {
    const named = onItsPage ? breakable(name) : h("a", { href: runbookHref(name, code) }, breakable(name));
    const title = h(heading, {}, `${t("runbook.title")} · `, named);
    const text = h("div", { class: "runbook-text", lang: code, "data-language": code }, h("p", { class: "empty" }, t("loading")));
    replaceChildren(section, title, languageLinks(name, code, onItsPage ? null : show), text);
    try {
      replaceChildren(text, await runbookBody(name, code));
    } catch (error) {
      replaceChildren(text, error.status === 404 ? h("p", { class: "notice" }, t("runbook.missing")) : errorNotice(error));
    }
  }
  show(LANGUAGES.includes(chosen) ? chosen : language());
  return section;
}

export function renderRunbook(view, ctx) {
  const [name, chosen] = ctx.params;
  replaceChildren(view, runbookSection(name, { chosen: chosen || language(), heading: "h1", onItsPage: true }));
}

// The runbooks of these alerts, each once, as sections: looked up by fingerprint, so those of alerts resolved
// and forgotten are found too. Made once per page (the incident page redraws every 5 s around it).
export function alertRunbooks(fingerprints) {
  const sections = h("div", { class: "alert-runbooks" });
  if (!fingerprints.length) return sections;
  const query = fingerprints.map((fingerprint) => `fingerprint=${encodeURIComponent(fingerprint)}`).join("&");
  get(`/api/v1/runbooks?${query}`).then(({ runbooks }) => replaceChildren(sections, runbooks.map((r) => runbookSection(r.name))),
    (error) => replaceChildren(sections, errorNotice(error)));
  return sections;
}
