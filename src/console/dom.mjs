// Building the page from data. Every string from the server becomes a text node or an attribute value through
// the DOM API: there is no innerHTML anywhere in the console, so a tag, a content type or a name full of markup
// shows as the characters it is and runs nothing.

// h("button", {type: "button", class: "primary", onclick: f}, "text", childNode, ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) {
      // Handlers are functions of the console only, never attribute text (the CSP would refuse it anyway).
      if (typeof v !== "function") throw new TypeError(`${k} must be a function`);
      el.addEventListener(k.slice(2), v);
    }
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Unix seconds (Key Vault's dates) -> "2026-12-02 03:04:05 UTC"; "" for none.
export function when(seconds) {
  if (typeof seconds !== "number") return "";
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

// A definition list of [label, value] pairs; values are text (or nodes built with h).
export function attrList(pairs) {
  const dl = h("dl", { class: "attrs" });
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    dl.append(h("dt", {}, k), h("dd", {}, v instanceof Node ? v : String(v)));
  }
  return dl;
}

export function tagList(tags) {
  if (!tags || typeof tags !== "object") return "";
  return h("span", {}, Object.entries(tags).map(([k, v]) => h("span", { class: "tag" }, `${k}: ${v}`)));
}

// A unique id for label/input pairs.
let ids = 0;
export function uid(prefix) { return `${prefix}-${++ids}`; }
