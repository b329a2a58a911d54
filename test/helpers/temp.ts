import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// A light module: test/setup.ts runs in every test file, units included, so it must not load the server.
const created: string[] = []

/** A fresh directory under the OS temp dir, removed when the test file ends (test/setup.ts). */
export function tempDir(prefix = 'ccscope-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  created.push(dir)
  return dir
}

export function removeTempDirs(): void {
  // Retried: an engine just stopped may still be finishing a merge's files in its store (ENOTEMPTY on a loaded machine).
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
}
