/**
 * The child process of `child-worker.test.ts`: a worker (./worker-process.ts)
 * that does what its arguments say, one step after the other.
 *
 *   node --import tsx scripted-worker.ts <lifetimeMs> follow|alone <step>...
 *
 * Steps:
 * - `print:<a>|<b>|...`: prints those lines in one write;
 * - `partial:<text>`: writes text with no end of line (the next print ends that line);
 * - `stderr:<text>`: writes a line to stderr;
 * - `sleep:<ms>`;
 * - `wait`: waits until killed.
 *
 * On SIGTERM, at any step, it prints `terminated` and exits 0.
 * - `throw:<message>`: fails with that message (and a cause `the cause`);
 * - `exit:<code>`.
 * After the last step its work is done: alone, it exits 0; following its
 * parent, it waits for its stdin to end.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { printLine, printLines, runWorker } from './worker-process.js'

const [lifetimeText, parent, ...steps] = process.argv.slice(2)

// Before anything is printed: the test may signal as soon as it reads a line.
process.once('SIGTERM', () => {
  printLine('terminated')
  process.exit(0)
})

runWorker('scripted-worker', { maxLifetimeMs: Number(lifetimeText), followParent: parent === 'follow' }, async () => {
  for (const step of steps) {
    const cut = step.indexOf(':')
    const [kind, text] = cut < 0 ? [step, ''] : [step.slice(0, cut), step.slice(cut + 1)]
    if (kind === 'print') printLines(text.split('|'))
    else if (kind === 'partial') process.stdout.write(text)
    else if (kind === 'stderr') process.stderr.write(`${text}\n`)
    else if (kind === 'sleep') await sleep(Number(text))
    else if (kind === 'wait') await new Promise<never>(() => setInterval(() => undefined, 1000))
    else if (kind === 'throw') throw new Error(text, { cause: new Error('the cause') })
    else if (kind === 'exit') process.exit(Number(text))
    else throw new Error(`scripted-worker: unknown step ${JSON.stringify(step)}`)
  }
})
