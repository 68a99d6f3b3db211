import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

/** The web role's Prometheus metrics, on a registry of its own (two servers in one process do not collide). */
export interface WebMetrics {
  registry: Registry
  sockets: Gauge<'role'>
  messagesIn: Counter<'role' | 'type'>
  messagesOut: Counter<'role'>
  rejects: Counter<'role' | 'code'>
  dropped: Counter<'role' | 'reason'>
  logLagMs: Gauge
  logRecords: Counter<'topic'>
  logInvalid: Counter<'topic'>
}

export function createWebMetrics(): WebMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    sockets: new Gauge({ name: 'koober_web_sockets', help: 'Open WebSockets', labelNames: ['role'], registers: [registry] }),
    messagesIn: new Counter({ name: 'koober_web_messages_in_total', help: 'Messages received and accepted, by type', labelNames: ['role', 'type'], registers: [registry] }),
    messagesOut: new Counter({ name: 'koober_web_messages_out_total', help: 'Messages sent', labelNames: ['role'], registers: [registry] }),
    rejects: new Counter({ name: 'koober_web_rejects_total', help: 'Messages refused with an error message, by code', labelNames: ['role', 'code'], registers: [registry] }),
    dropped: new Counter({ name: 'koober_web_sockets_dropped_total', help: 'Sockets closed by the server, by reason', labelNames: ['role', 'reason'], registers: [registry] }),
    logLagMs: new Gauge({ name: 'koober_web_log_lag_ms', help: 'Age of the newest record the city view has applied, when it was applied', registers: [registry] }),
    logRecords: new Counter({ name: 'koober_web_log_records_total', help: 'Records read from the log into the city view', labelNames: ['topic'], registers: [registry] }),
    logInvalid: new Counter({ name: 'koober_web_log_invalid_total', help: 'Records of the log that were not valid events (skipped)', labelNames: ['topic'], registers: [registry] }),
  }
}
