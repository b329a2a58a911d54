import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

/**
 * Imports point down the data flow (.dependency-cruiser.cjs, docs/architecture.md): checked on the whole
 * tree, and shown to fail on a deliberate upward import.
 */
const run = promisify(execFile)
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const CLI = path.join(ROOT, 'node_modules', '.bin', 'depcruise')
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs')

it('finds no import that points up the flow', async () => {
  const { stdout } = await run(
    CLI,
    ['--config', CONFIG, 'schemas', 'runtime', 'warehouse', 'collector', 'dashboard', 'server', 'simulator', 'bench', 'scripts'],
    { cwd: ROOT },
  )
  expect(stdout).toContain('no dependency violations found')
}, 60_000)

it('fails on an upward import, naming the rule', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-layers-'))
  try {
    for (const [file, text] of Object.entries({
      'tsconfig.json': '{ "compilerOptions": { "module": "esnext", "moduleResolution": "bundler" } }',
      'collector/normalize.ts': 'export const normalize = 1\n',
      'warehouse/rows.ts': "import { normalize } from '../collector/normalize'\nexport const rows = normalize\n",
      'dashboard/ui/page.ts': "import { rows } from '../../warehouse/rows'\nexport const page = rows\n",
    })) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
      fs.writeFileSync(path.join(dir, file), text)
    }
    const failed = await run(CLI, ['--config', CONFIG, 'collector', 'warehouse', 'dashboard'], { cwd: dir }).then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    )
    expect(failed?.code).toBeGreaterThan(0)
    expect(failed?.stdout).toContain('warehouse-points-down')
    expect(failed?.stdout).toContain('ui-reads-schemas-only')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)
