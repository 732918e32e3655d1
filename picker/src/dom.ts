// A tiny element builder: the page has no framework, and builds its DOM from
// the same report object the CLI prints, so text is always set as text (never
// as HTML) and nothing can inject markup.

type Child = Node | string | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`picker: #${id} is missing from index.html`);
  return el as T;
}

/** Replace the children of `el`. */
export function fill(el: HTMLElement, ...children: Child[]): void {
  el.replaceChildren();
  for (const child of children) if (child) el.append(typeof child === 'string' ? document.createTextNode(child) : child);
}
