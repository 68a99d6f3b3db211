/**
 * The pages' refresh loop: `load` fetches and draws, and says how long until
 * the next refresh. A refresh asked for while one is under way (another area
 * picked, a what-if) aborts it, and only the newest schedules the next. A
 * hidden tab asks for nothing; it catches up when shown again.
 *
 * @example
 * ```ts
 * const refresh = poller(async (signal) => { render(await fetchAreas(signal)); return 5000 }, 5000)
 * void refresh()
 * ```
 */
export function poller(load: (signal: AbortSignal) => Promise<number>, hiddenRetryMs: number): () => Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  let inFlight: AbortController | undefined
  const poll = (): void => {
    if (document.hidden) timer = setTimeout(poll, hiddenRetryMs)
    else void refresh()
  }
  async function refresh(): Promise<void> {
    clearTimeout(timer)
    inFlight?.abort()
    const controller = new AbortController()
    inFlight = controller
    let nextMs = hiddenRetryMs
    try {
      nextMs = await load(controller.signal)
    } finally {
      if (inFlight === controller) {
        inFlight = undefined
        timer = setTimeout(poll, nextMs)
      }
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh()
  })
  return refresh
}

/** Sets a live region's state and text, only on change: a screen reader should not hear "Live" at every refresh. */
export function setLiveStatus(element: HTMLElement, state: string, text: string): void {
  if (element.dataset.state === state && element.textContent === text) return
  element.dataset.state = state
  element.textContent = text
}
