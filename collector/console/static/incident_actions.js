// What can be done to an incident: each action with the states it applies in, the fields it asks for and the
// call it makes, and its button. The incident list (acknowledge only) and the incident page both use these.
// They are shown to users with the `handle_incidents` permission (listed by /api/v1/me); the server checks it too.

import { post } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

export const HANDLE_INCIDENTS = "handle_incidents";
const LIVE = ["open", "acknowledged", "in_progress", "waiting_for_vendor", "resolved"];

const path = (incident, action) => `/api/v1/incidents/${encodeURIComponent(incident.id)}/${action}`;
const transition = (state, extra = {}) => (incident, values) =>
  post(path(incident, "transition"), { state, ...extra, ...values });
const breached = (incident) => Boolean(incident.sla?.response?.breached || incident.sla?.resolution?.breached);

// fields: [name, label key, control, required]
const ACTIONS = [
  { key: "ack", states: ["open"], fields: [], call: (i, values) => post(path(i, "ack"), values) },
  { key: "start", states: ["acknowledged", "waiting_for_vendor"], fields: [], call: transition("in_progress") },
  { key: "vendor", states: ["acknowledged", "in_progress"],
    fields: [["vendor_ticket", "incident.vendor_ticket", "input", true], ["note", "form.note", "textarea", false]],
    call: transition("waiting_for_vendor") },
  { key: "resolve", states: ["acknowledged", "in_progress", "waiting_for_vendor"],
    fields: [["cause", "incident.cause", "textarea", true], ["resolution", "incident.resolution", "textarea", true]],
    call: (i, values) => post(path(i, "resolve"), values) },
  { key: "close", states: ["resolved"], fields: [["sign_off", "form.sign_off", "input", true]],
    call: (i, values) => post(path(i, "close"), values) },
  { key: "reopen", states: ["resolved"], fields: [["note", "form.note", "textarea", false]], call: transition("in_progress") },
  { key: "assign", states: LIVE, fields: [["assignee", "incident.assignee", "input", true]],
    call: (i, values) => post(path(i, "assign"), values) },
  { key: "note", states: LIVE, fields: [["text", "form.note", "textarea", true]], call: (i, values) => post(path(i, "note"), values) },
  { key: "severity", states: LIVE, fields: [["severity", "incident.severity", "severity", true], ["reason", "form.reason", "input", true]],
    call: (i, values) => post(path(i, "severity"), values) },
  { key: "breach", states: LIVE, when: breached, fields: [["text", "form.breach_reason", "textarea", true]],
    call: (i, values) => post(path(i, "breach_reason"), values) },
];
export const ACKNOWLEDGE = ACTIONS.find((action) => action.key === "ack");

export function availableActions(incident) {
  return ACTIONS.filter((a) => a.states.includes(incident.state) && (!a.when || a.when(incident)));
}

// A one-click action (no fields) is sent at once, then onDone(error or null); one with fields calls openForm(action).
export function actionButton(action, incident, onDone, openForm) {
  return h("button", {
    type: "button", class: action === ACKNOWLEDGE ? "primary ack" : "", "data-action": action.key,
    onclick: async (event) => {
      if (action.fields.length) return openForm(action);
      event.target.disabled = true;
      try {
        await action.call(incident, {});
        await onDone(null);
      } catch (error) {
        event.target.disabled = false;
        await onDone(error);
      }
    },
  }, t(`action.${action.key}`));
}
