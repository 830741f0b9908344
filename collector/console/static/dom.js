// Building DOM from data without innerHTML: every text goes in as a text node, so nothing a user typed can
// become markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

export function select(name, options, selected, attributes = {}) {
  return h("select", { name, ...attributes },
    options.map(([value, label]) => h("option", { value, selected: value === selected }, label)));
}

export function field(label, control) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control);
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}
