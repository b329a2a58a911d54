/**
 * Builds the dashboard UI into dist/dashboard when its sources changed since the last build (or always
 * with --force). `npm start` runs it first, so a fresh clone needs no build step by hand.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.join(root, 'dist', 'dashboard')
const stamp = path.join(outDir, '.source-hash')
const INPUTS = ['dashboard/ui', 'schemas', 'dashboard/vite.config.ts', 'package-lock.json', 'scripts/build-dashboard.ts']

function files(entry: string): string[] {
  const full = path.join(root, entry)
  if (!fs.existsSync(full)) return []
  if (fs.statSync(full).isFile()) return [full]
  return fs
    .readdirSync(full, { withFileTypes: true })
    .flatMap((d) => files(path.join(entry, d.name)))
    .sort()
}

/** A hash of every file the build reads. */
export function sourceHash(): string {
  const hash = crypto.createHash('sha256')
  for (const file of INPUTS.flatMap(files)) hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file))
  return hash.digest('hex')
}

/** Text files worth compressing; below 1 kB the headers outweigh what compression saves. */
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/
const MIN_BYTES = 1024

/**
 * Writes each built text file's brotli (.br) and gzip (.gz) forms beside it, at the highest levels: the
 * server sends them as they are (express-static-gzip) to a browser that accepts them, so a first visit
 * downloads about a third of the bytes and the server compresses nothing per request.
 */
export function precompress(dir: string): { files: number; bytes: number; brotliBytes: number } {
  const out = { files: 0, bytes: 0, brotliBytes: 0 }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name)
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue
    const body = fs.readFileSync(file)
    if (body.length < MIN_BYTES) continue
    const brotli = zlib.brotliCompressSync(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    })
    fs.writeFileSync(`${file}.br`, brotli)
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(body, { level: zlib.constants.Z_BEST_COMPRESSION }))
    out.files++
    out.bytes += body.length
    out.brotliBytes += brotli.length
  }
  return out
}

export async function buildDashboard(force = false): Promise<'built' | 'up to date'> {
  const hash = sourceHash()
  if (!force && fs.existsSync(path.join(outDir, 'index.html')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return 'up to date'
  const { build } = await import('vite')
  const began = Date.now()
  process.stdout.write('ccscope: building the dashboard (only when its sources change)…\n')
  // React's production build whatever the caller's NODE_ENV (vitest sets 'test', which Vite would keep and
  // bundle React's development build: ~4× slower to render, and reused by `npm start` from the same stamp).
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ configFile: path.join(root, 'dashboard', 'vite.config.ts'), logLevel: 'warn', mode: 'production' })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
  const packed = precompress(outDir)
  fs.writeFileSync(stamp, hash)
  const kB = (n: number) => `${Math.round(n / 1024)} kB`
  process.stdout.write(
    `ccscope: dashboard built in ${((Date.now() - began) / 1000).toFixed(1)} s → ${path.relative(root, outDir)} (${packed.files} files, ${kB(packed.bytes)}, ${kB(packed.brotliBytes)} as sent in brotli)\n`,
  )
  return 'built'
}

const invoked = process.argv[1]
if (invoked && path.resolve(invoked) === fileURLToPath(import.meta.url)) {
  buildDashboard(process.argv.includes('--force')).catch((error: unknown) => {
    process.stderr.write(`ccscope: the dashboard build failed: ${(error as Error).message}\n`)
    process.exit(1)
  })
}
