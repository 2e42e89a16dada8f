import { createHash } from 'node:crypto'

export interface FileHashes {
  sha1: string
  sha256: string
  md5: string
}

/**
 * Stable fake hashes for a file identity (name + version + a variant). The same file is the same on
 * every device, as in a real fleet; a different seed does not change them (they are catalogue facts),
 * except for attacker payloads, whose key includes the seed.
 */
export function fileHashes(key: string): FileHashes {
  const k = 'bulwark-demo-file:' + key
  return {
    sha1: createHash('sha1').update(k).digest('hex'),
    sha256: createHash('sha256').update(k).digest('hex'),
    md5: createHash('md5').update(k).digest('hex'),
  }
}

const cache = new Map<string, FileHashes>()

/** `fileHashes` with a small memo: catalogue binaries are hashed once per process. */
export function cachedHashes(key: string): FileHashes {
  let h = cache.get(key)
  if (!h) {
    h = fileHashes(key)
    if (cache.size < 10_000) cache.set(key, h)
  }
  return h
}
