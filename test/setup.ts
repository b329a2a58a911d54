import { afterAll } from 'vitest'
import { removeTempDirs } from './helpers/temp'

// Every data directory a test file created goes when the file is done (each file is its own process).
afterAll(() => removeTempDirs())
