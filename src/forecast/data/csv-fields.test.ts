import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { splitCsvLine } from './csv-fields.js'

function split(line: string, max = 100): string[] {
  const fields: string[] = []
  return fields.slice(0, splitCsvLine(line, fields, max))
}

describe('splitCsvLine', () => {
  it('splits plain and quoted fields, and stops at max', () => {
    assert.deepEqual(split('"4/1/2014 0:11:00",40.769,-73.9549,"B02512"'), ['4/1/2014 0:11:00', '40.769', '-73.9549', 'B02512'])
    assert.deepEqual(split('a,b,c,d', 2), ['a', 'b'])
    assert.deepEqual(split('a,,c,'), ['a', '', 'c', ''])
    assert.deepEqual(split(''), [''])
  })

  it('keeps commas and doubled quotes inside quotes as text', () => {
    assert.deepEqual(split('"a, b","say ""hi""",c'), ['a, b', 'say "hi"', 'c'])
    assert.deepEqual(split('"",x'), ['', 'x'])
    assert.deepEqual(split('"open to the end'), ['open to the end'])
    assert.deepEqual(split('"a"b,c'), ['ab', 'c'])
  })

  it('reuses the array it is given: only the count says what this line has', () => {
    const fields: string[] = []
    assert.equal(splitCsvLine('a,b,c', fields, 10), 3)
    assert.equal(splitCsvLine('x', fields, 10), 1)
    assert.equal(fields[0], 'x')
  })
})
