const QUOTE = 34

/**
 * Splits one CSV line into its first `max` fields, written into `into` (reused
 * from row to row, so a million rows allocate no arrays), and returns how many
 * fields it found (at most `max`). A field may be quoted (RFC 4180: `""` is a
 * quote inside one, and a comma inside quotes is text); the quotes are removed.
 *
 * @example
 * ```ts
 * const fields: string[] = []
 * splitCsvLine('"4/1/2014 0:11:00",40.769,-73.9549,"B02512"', fields, 3) // 3; fields = ['4/1/2014 0:11:00', '40.769', '-73.9549']
 * ```
 */
export function splitCsvLine(line: string, into: string[], max: number): number {
  const length = line.length
  let count = 0
  let start = 0
  while (count < max) {
    if (line.charCodeAt(start) === QUOTE) {
      const { text, next } = quotedField(line, start)
      into[count++] = text
      if (next >= length) break
      start = next + 1
      continue
    }
    const comma = line.indexOf(',', start)
    if (comma < 0) {
      into[count++] = line.slice(start)
      break
    }
    into[count++] = line.slice(start, comma)
    start = comma + 1
  }
  return count
}

/** A quoted field starting at `start`: its text, and the index just past it (a comma or the end). */
function quotedField(line: string, start: number): { text: string; next: number } {
  let text = ''
  let from = start + 1
  while (true) {
    const quote = line.indexOf('"', from)
    if (quote < 0) return { text: text + line.slice(from), next: line.length } // unterminated: take the rest
    text += line.slice(from, quote)
    if (line.charCodeAt(quote + 1) === QUOTE) {
      text += '"'
      from = quote + 2
      continue
    }
    // Anything between the closing quote and the next comma belongs to the field, as spreadsheets read it.
    const comma = line.indexOf(',', quote + 1)
    if (comma < 0) return { text: text + line.slice(quote + 1), next: line.length }
    return { text: text + line.slice(quote + 1, comma), next: comma }
  }
}

/**
 * A header line's column names as the importers match them: unquoted,
 * trimmed and lower case (the TLC changed case from year to year, and put a
 * space before every name in 2014).
 *
 * @example
 * ```ts
 * csvHeaderNames('vendor_id, Pickup_DateTime') // ['vendor_id', 'pickup_datetime']
 * ```
 */
export function csvHeaderNames(header: string): string[] {
  const fields: string[] = []
  const count = splitCsvLine(header, fields, 10_000)
  return fields.slice(0, count).map((name) => name.trim().toLowerCase())
}
