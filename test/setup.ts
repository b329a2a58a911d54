import { afterAll } from 'vitest'
import { removeTempDirs } from './helpers/ccscope'

// Every data directory a test file created goes when the file is done (each file is its own process).
afterAll(() => removeTempDirs())
