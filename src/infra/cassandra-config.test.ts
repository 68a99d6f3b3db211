import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { cassandraPaths, cassandraPorts, cassandraYaml, configUrl, readConfiguredPorts } from './cassandra-config.js'
import { findInstalledJdk } from './cassandra-java.js'

describe('Cassandra configuration', () => {
  it('defaults to 9042 and 7000, another port gets its storage port next to it, and bad or equal ports are rejected', () => {
    assert.deepEqual(cassandraPorts(undefined, undefined), { port: 9042, storagePort: 7000 })
    assert.deepEqual(cassandraPorts(19042, undefined), { port: 19042, storagePort: 19043 })
    assert.deepEqual(cassandraPorts(9042, 17000), { port: 9042, storagePort: 17000 })
    assert.throws(() => cassandraPorts(0, undefined), /whole number from 1 to 65535/)
    assert.throws(() => cassandraPorts(9042, 9042), /must differ/)
  })

  it('writes a single-node loopback cassandra.yaml under <dataDir>/cassandra whose ports it reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'koober-cassandra-config-'))
    try {
      const paths = cassandraPaths(join(dir, 'data dir'))
      assert.equal(paths.root, join(dir, 'data dir', 'cassandra'))
      assert.equal(configUrl(paths), `file://${join(dir, 'data%20dir', 'cassandra', 'cassandra.yaml')}`)
      const text = cassandraYaml({ port: 19042, storagePort: 19999 }, paths)
      for (const line of [
        'cluster_name: "Koober"',
        'num_tokens: 1',
        'endpoint_snitch: SimpleSnitch',
        '      - seeds: "127.0.0.1:19999"',
        'listen_address: 127.0.0.1',
        'rpc_address: 127.0.0.1',
        'storage_port: 19999',
        'native_transport_port: 19042',
        'authenticator: AllowAllAuthenticator',
        'commitlog_sync: periodic',
        `  - ${JSON.stringify(join(paths.root, 'data'))}`,
        `commitlog_directory: ${JSON.stringify(join(paths.root, 'commitlog'))}`,
        `saved_caches_directory: ${JSON.stringify(join(paths.root, 'saved_caches'))}`,
        `hints_directory: ${JSON.stringify(join(paths.root, 'hints'))}`,
        'concurrent_compactors: 1',
      ]) {
        assert.ok(text.split('\n').includes(line), line)
      }
      mkdirSync(paths.root, { recursive: true })
      writeFileSync(paths.config, text)
      assert.deepEqual(readConfiguredPorts(paths.config), { port: 19042, storagePort: 19999 })
      assert.equal(readConfiguredPorts(join(dir, 'missing.yaml')), undefined)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('finds an installed JDK of a major version from its release file, newest update first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'koober-jdks-'))
    try {
      const jdk = (name: string, version: string): void => {
        mkdirSync(join(dir, name, 'bin'), { recursive: true })
        writeFileSync(join(dir, name, 'bin', 'java'), '')
        writeFileSync(join(dir, name, 'release'), `IMPLEMENTOR="x"\nJAVA_VERSION="${version}"\n`)
      }
      jdk('jdk-25', '25.0.3')
      jdk('jdk-17-old', '17.0.2')
      jdk('jdk-17-new', '17.0.15')
      jdk('jdk-8', '1.8.0_392')
      assert.deepEqual(findInstalledJdk(17, [dir]), { home: join(dir, 'jdk-17-new'), java: join(dir, 'jdk-17-new', 'bin', 'java'), version: '17.0.15' })
      assert.equal(findInstalledJdk(8, [dir])?.version, '1.8.0_392')
      assert.equal(findInstalledJdk(21, [dir, join(dir, 'missing')]), undefined)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
