import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseNewYorkTimestamp } from './local-timestamp.js'

const iso = (ms: number): string => new Date(ms).toISOString()

describe('parseNewYorkTimestamp', () => {
  it('reads the shapes of the FOIL and TLC files as New York local time', () => {
    assert.equal(iso(parseNewYorkTimestamp('4/1/2014 0:11:00')), '2014-04-01T04:11:00.000Z')
    assert.equal(iso(parseNewYorkTimestamp('9/25/2014 15:28:00')), '2014-09-25T19:28:00.000Z')
    assert.equal(iso(parseNewYorkTimestamp('12/31/2014 23:59')), '2015-01-01T04:59:00.000Z')
    assert.equal(iso(parseNewYorkTimestamp('2015-01-15 19:05:39')), '2015-01-16T00:05:39.000Z')
    assert.equal(iso(parseNewYorkTimestamp('2009-01-04 02:52:00')), '2009-01-04T07:52:00.000Z')
    assert.equal(iso(parseNewYorkTimestamp('2013-07-01T08:00:00')), '2013-07-01T12:00:00.000Z')
    assert.equal(iso(parseNewYorkTimestamp('  2016-06-09 21:06:36.250 ')), '2016-06-10T01:06:36.000Z')
    assert.equal(iso(parseNewYorkTimestamp('2/29/2016 7:05:09')), '2016-02-29T12:05:09.000Z')
  })

  it('refuses text that names no real date and time', () => {
    for (const bad of [
      '',
      'not a date',
      '13/1/2014 0:11:00',
      '0/1/2014 0:11:00',
      '2/30/2014 0:11:00',
      '2/29/2015 0:11:00',
      '4/1/14 0:11:00',
      '4/1/2014 24:00:00',
      '4/1/2014 0:60:00',
      '4/1/2014 0:11:60',
      '4/1/2014 0:1',
      '4/1/2014',
      '4/1/2014 0:11:00 PM',
      '2014-4-01 00:11:00',
      '2014-04-01',
      '2014-04-01 00:11:00x',
      '14-04-01 00:11:00',
      '1850-04-01 00:11:00',
    ]) {
      assert.ok(Number.isNaN(parseNewYorkTimestamp(bad)), JSON.stringify(bad))
    }
  })
})
