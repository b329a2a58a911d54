import { describe, expect, it } from 'vitest'
import { isContentKey, isIdentityKey } from '../collector/privacy-keys'
import { redactSecrets } from '../collector/secrets'

/** The privacy filter's key patterns and secret redaction on their own; test/privacy-filter.test.ts checks what a running ccscope stores. */

describe('key patterns (unit)', () => {
  it('content: every spelling of prompts, responses, inputs, bodies and paths; not their lengths, sizes and ids', () => {
    for (const key of [
      'prompt',
      'Prompt',
      'user_prompt',
      'USER_PROMPT',
      'prompt_text',
      'gen_ai.prompt.0.content',
      'gen_ai.completion.0.content',
      'llm.input_messages',
      'gen_ai.input.messages',
      'tool_input',
      'response',
      'assistant_response',
      'api_request_body',
      'full_command',
      'file_path',
      'filePath',
      'notebook_path',
      'workspace.host_paths',
      'gen_ai.system_instructions',
    ])
      expect(isContentKey(key), key).toBe(true)
    for (const key of [
      'prompt_length',
      'user_prompt_length',
      'prompt.id',
      'message.uuid',
      'tool_input_size_bytes',
      'gen_ai.usage.input_tokens',
      'input_tokens',
      'command_name',
      'bash_command',
      'tool_name',
      'model',
      'query_source',
      'content_type',
    ])
      expect(isContentKey(key), key).toBe(false)
  })

  it('identity: e-mail addresses under any key, and enduser.id', () => {
    for (const key of ['user.email', 'User.Email', 'email', 'user_email', 'userEmail', 'git.author.email', 'enduser.id', 'enduser_id', 'EndUser.Id'])
      expect(isIdentityKey(key), key).toBe(true)
    for (const key of ['user.id', 'session.id', 'organization.id']) expect(isIdentityKey(key), key).toBe(false)
  })

  it('secrets in commands: tokens, passwords and keys go, the command stays', () => {
    const cases: Array<[string, string]> = [
      ['curl -H "Authorization: Bearer sk-live-123" https://internal.example', 'curl -H "Authorization: Bearer <REDACTED>" https://internal.example'],
      ['curl -u alice:hunter2 https://x', 'curl -u alice:<REDACTED> https://x'],
      ['psql postgres://app:s3cr3t@db:5432/app', 'psql postgres://app:<REDACTED>@db:5432/app'],
      ['mysql -u root -pTopSecret app', 'mysql -u root -p<REDACTED> app'],
      ['GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789 gh repo list', 'GITHUB_TOKEN=<REDACTED> gh repo list'],
      ['gh auth login --with-token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'gh auth login --with-token <REDACTED>'],
      ['aws s3 ls AKIAIOSFODNN7EXAMPLE', 'aws s3 ls <REDACTED>'],
      ['deploy --password hunter2 --env prod', 'deploy --password <REDACTED> --env prod'],
      ['API_KEY="abc123def" npm start', 'API_KEY="<REDACTED>" npm start'],
      ['echo sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789', 'echo <REDACTED>'],
      ['curl -X POST https://hooks.slack.com/services/T000/B000/XXXXXXXX', 'curl -X POST <REDACTED>'],
      ['echo eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', 'echo <REDACTED>'],
      ['cat key.pem <<< "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIB\n-----END RSA PRIVATE KEY-----"', 'cat key.pem <<< "<REDACTED>"'],
    ]
    for (const [text, expected] of cases) expect(redactSecrets(text).text, text).toBe(expected)
    for (const text of ['ls -la', 'git status', 'npm test', 'git commit -m "fix: count tokens once"', 'curl https://example.org/api?page=2'])
      expect(redactSecrets(text).text, text).toBe(text)
  })
})
