#!/usr/bin/env node
// The `koober` command. The TypeScript sources are compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(main)) {
  console.error('koober: dist/cli/main.js is missing: run `npm install` (or `npm run build`) in the Koober directory first')
  process.exit(1)
}
const { run } = await import(main.href)
await run(process.argv)
