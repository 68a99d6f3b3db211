/** Resolves at the first SIGINT or SIGTERM; keeps the process alive until then. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    // Signal listeners alone do not keep Node running; this timer does, until a signal arrives.
    const keepAlive = setInterval(() => undefined, 1 << 30)
    const stop = (signal: NodeJS.Signals): void => {
      clearInterval(keepAlive)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
