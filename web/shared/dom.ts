/** The element with `data-testid="id"`: the pages and the tests find elements by the same names. */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.querySelector<T>(`[data-testid="${id}"]`)
  if (!element) throw new Error(`the page has no element [data-testid="${id}"]`)
  return element
}

/** Creates an element with a class and text, the small building block of lists and markers. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (className) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

let errorTimer: ReturnType<typeof setTimeout> | undefined

/**
 * Shows a message in the page's error bar. It stays a while and then fades,
 * since most errors (a taken ride, a rate limit) need no action; a click
 * dismisses it at once.
 */
export function showError(text: string, sticky = false): void {
  const bar = byTestId('error')
  bar.textContent = text
  bar.hidden = false
  clearTimeout(errorTimer)
  if (!sticky) errorTimer = setTimeout(() => (bar.hidden = true), 8000)
  bar.onclick = () => (bar.hidden = true)
}

/** Minutes and seconds, as a person reads an ETA. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds))
  if (total < 60) return `${total} s`
  const minutes = Math.floor(total / 60)
  const rest = total % 60
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`
}
