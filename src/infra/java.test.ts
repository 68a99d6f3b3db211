import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseJavaMajor, parseMavenVersion } from './java.js'

describe('tool versions', () => {
  it('reads the Java major version from every `java -version` style', () => {
    assert.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment'), 17)
    assert.equal(parseJavaMajor('java version "1.8.0_392"'), 8)
    assert.equal(parseJavaMajor('openjdk version "21" 2023-09-19'), 21)
    assert.equal(parseJavaMajor('openjdk version "25-ea" 2025-09-16'), 25)
    assert.equal(parseJavaMajor('bash: java: command not found'), undefined)
  })

  it('reads the Maven version, colour codes or not', () => {
    assert.deepEqual(parseMavenVersion('\u001b[1mApache Maven 3.8.7\u001b[m\nMaven home: /usr/share/maven'), [3, 8, 7])
    assert.deepEqual(parseMavenVersion('Apache Maven 4.0.0-rc-4 (abc)'), [4, 0, 0])
    assert.equal(parseMavenVersion('nothing'), undefined)
  })
})
