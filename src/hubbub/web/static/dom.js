// Building DOM nodes. Text always goes in as text nodes, never as HTML: nothing a person typed
// can become markup, whatever it contains.

export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// A textarea as tall as its text, up to 200 px (a style property: the CSP allows no inline
// style attribute, but the CSSOM is ours).
export function autosize(input) {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

// Puts the methods of each of `parts` (classes used only as bags of methods) on `target`'s
// prototype: one class, its code split by concern over several modules.
export function mixin(target, ...parts) {
  for (const part of parts) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(part.prototype))) {
      if (name !== "constructor") Object.defineProperty(target.prototype, name, descriptor);
    }
  }
}

// A URL the server handed out (public_url's), at the address this page was loaded from: the
// same server, reached the way this browser reaches it, so the page's CSP ('self') lets it
// load and its session cookie goes with it, even when public_url names the server otherwise
// (a proxy's name, localhost for 127.0.0.1). Anything but http(s) is null.
export function here(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url, window.location.href);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    return window.location.origin + parsed.pathname + parsed.search;
  } catch {
    return null;
  }
}
