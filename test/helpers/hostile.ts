/**
 * Hostile request values, shared by the tests that try them on every parameter of the API
 * (test/api-params.test.ts as admin, test/auth.test.ts as a manager restricted to one team).
 */
export const HOSTILE = [
  "'",
  "x' OR 1=1 --",
  "'; DROP TABLE events; --",
  '{from:String}',
  '\\',
  '") UNION SELECT * FROM system.users --',
  '9'.repeat(400),
  '-1',
  '1e309',
  'NaN',
  '2026-13-45',
  '2026-11-01T25:61:00Z',
  '%00',
  'é'.repeat(300),
]

/** Parameters that are free text: they reach SQL as typed parameters and match names literally. */
export const FREE_TEXT = new Set([
  'user',
  'team',
  'department',
  'costCenter',
  'model',
  'querySource',
  'agent',
  'skill',
  'plugin',
  'mcpServer',
  'version',
  'tool',
  'toolSource',
  'decision',
  'source',
  'command',
  'mcpTool',
  'q',
])
