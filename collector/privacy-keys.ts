/**
 * Which attribute keys the privacy step (privacy.ts) treats as content, identity or free text, by
 * pattern rather than by exact name, so that `prompt`, `user_prompt`, `Prompt`, `gen_ai.prompt.0.content`,
 * `llm.input_messages` or a `prompt` nested in a map are all recognised. A key is split into lower-case
 * words at `.`, `_`, `-`, digits and camelCase humps (`gen_ai.prompt.0.content` → gen ai prompt content).
 *
 * - content: a word that names what a person or a model wrote, a tool read or ran, or a file path,
 *   unless the key's last word says it is only a figure or a name about it (`prompt_length`,
 *   `tool_input_size_bytes`, `prompt.id`, `message.uuid`, `command_name`): those stay.
 * - identity: a word `email`, or the key `enduser.id` (as any spelling): pseudonymised when a key is set.
 * - free text: commands, errors, messages, URLs, arguments: kept, with secrets redacted (secrets.ts).
 */

const CONTENT_WORDS = new Set([
  'prompt',
  'prompts',
  'completion',
  'completions',
  'response',
  'responses',
  'message',
  'messages',
  'content',
  'contents',
  'input',
  'inputs',
  'output',
  'outputs',
  'body',
  'instructions',
  'transcript',
  'path',
  'paths',
  'filepath',
  'filename',
  'cwd',
  'diff',
  'patch',
  'stdin',
  'stdout',
  'stderr',
])
/** Content words that only count as content with another word: `full_command`, `raw_command`, not `command_name`. */
const CONTENT_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['full', 'command'],
  ['raw', 'command'],
  ['command', 'line'],
  ['tool', 'content'],
]
/** A last word that makes the key a figure or a name about the content, not the content itself. */
const METADATA_WORDS = new Set([
  'length',
  'len',
  'size',
  'bytes',
  'count',
  'id',
  'ids',
  'uuid',
  'tokens',
  'hash',
  'sha',
  'sha256',
  'type',
  'name',
  'source',
  'class',
  'role',
  'sequence',
  'index',
  'kind',
  'status',
  'truncated',
  'ms',
  'seconds',
  'duration',
  'safe',
  'lines',
  'words',
  'chars',
  'scope',
])
const FREE_TEXT_WORDS = new Set(['command', 'commands', 'cmd', 'error', 'errors', 'exception', 'url', 'uri', 'args', 'argv', 'script', 'query', 'matcher'])

const CACHE_MAX = 10_000

/** The key's lower-case words (computed once per key: classOf caches what they make of it). */
function keyWords(key: string): string[] {
  if (key === '') return []
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0)
}

/** A key's classes, computed once per key: a fleet sends the same few dozen keys millions of times. */
interface KeyClass {
  content: boolean
  identity: boolean
  freeText: boolean
}
const classes = new Map<string, KeyClass>()

function classOf(key: string): KeyClass {
  let c = classes.get(key)
  if (c === undefined) {
    c = { content: contentKey(key), identity: identityKey(key), freeText: freeTextKey(key) }
    if (classes.size >= CACHE_MAX) classes.clear()
    classes.set(key, c)
  }
  return c
}

export function isContentKey(key: string): boolean {
  return classOf(key).content
}

export function isIdentityKey(key: string): boolean {
  return classOf(key).identity
}

export function isFreeTextKey(key: string): boolean {
  return classOf(key).freeText
}

function contentKey(key: string): boolean {
  const words = keyWords(key)
  const last = words[words.length - 1]
  if (last === undefined || METADATA_WORDS.has(last)) return false
  if (words.some((w) => CONTENT_WORDS.has(w))) return true
  return CONTENT_PAIRS.some(([a, b]) => {
    const i = words.indexOf(a)
    return i >= 0 && words[i + 1] === b
  })
}

function identityKey(key: string): boolean {
  const words = keyWords(key)
  if (words.includes('email') || words.includes('emails')) return true
  return words.join('') === 'enduserid'
}

function freeTextKey(key: string): boolean {
  return keyWords(key).some((w) => FREE_TEXT_WORDS.has(w))
}
