import { InvalidArgumentError, Option } from 'commander'
import { DEFAULT_WEB_PORT, type WebServerOptions } from '../web/server.js'
import { integerArg } from './options.js'

/** The web role's flags, each with its environment variable (DESIGN.md: flags, then KOOBER_*, then defaults). */
export function webOptions(): Option[] {
  return [
    new Option('--host <host>', 'the address to listen on (0.0.0.0 for every interface)').env('KOOBER_HOST').default('127.0.0.1'),
    new Option('--port <port>', 'the port to listen on (0: any free port)').env('KOOBER_PORT').default(DEFAULT_WEB_PORT).argParser(integerArg(0, 65_535)),
    new Option('--allowed-origin <origin...>', "browser origins allowed besides the server's own (e.g. https://koober.example)").env('KOOBER_ALLOWED_ORIGINS').argParser(originsArg),
    new Option('--osrm-url <url>', 'an OSRM server for routes on real streets (default: street-like routes)').env('OSRM_URL').argParser(httpUrlArg),
    new Option('--speed <m/s>', 'how fast cars drive, meters per second').env('KOOBER_SPEED').default(12).argParser(integerArg(1, 1000)),
  ]
}

export interface WebFlags {
  host: string
  port: number
  allowedOrigin?: string[]
  osrmUrl?: string
  speed: number
}

export function webServerOptions(flags: WebFlags): Omit<WebServerOptions, 'log'> {
  return {
    host: flags.host,
    port: flags.port,
    speedMetersPerSecond: flags.speed,
    ...(flags.allowedOrigin ? { allowedOrigins: flags.allowedOrigin } : {}),
    ...(flags.osrmUrl ? { osrmUrl: flags.osrmUrl } : {}),
  }
}

function httpUrlArg(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError(`expected a URL such as http://127.0.0.1:5000, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`expected an http(s) URL, got ${JSON.stringify(value)}`)
  return value
}

/** Repeated flags add up; the environment variable takes a comma-separated list. */
function originsArg(value: string, previous: string[] | undefined): string[] {
  const origins = value.split(',').map((o) => o.trim()).filter((o) => o.length > 0)
  for (const origin of origins) {
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      throw new InvalidArgumentError(`expected an origin such as https://koober.example, got ${JSON.stringify(origin)}`)
    }
    if (url.origin !== origin) throw new InvalidArgumentError(`an origin is scheme://host[:port] with nothing after, got ${JSON.stringify(origin)} (did you mean ${url.origin}?)`)
  }
  return [...(previous ?? []), ...origins]
}
