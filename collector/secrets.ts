/**
 * Secrets in free text (commands, error messages, URLs): found by a pattern set and replaced by
 * `<REDACTED>`, the rest of the text kept. Applied by the privacy step (privacy.ts) to the command
 * names and lines, errors and URLs ccscope keeps, so that `curl -H "Authorization: Bearer …"` is stored
 * as `curl -H "Authorization: Bearer <REDACTED>"`.
 *
 * The patterns follow the rules of secretlint's recommended preset (@secretlint/secretlint-rule-preset-
 * recommend: AWS, GCP, GitHub, npm, Slack, SendGrid, Shopify, OpenAI, Anthropic, Linear, 1Password,
 * private keys, basic auth, database connection strings) and gitleaks' default rules (GitLab, Stripe,
 * Google API keys, JWTs, HashiCorp Vault, generic `password=` / `--token` assignments, `curl -u`).
 * Those projects scan files; ccscope scans one short value at a time, so the rules are kept here as
 * regular expressions rather than run through their engines. Each has a test case in
 * test/privacy-filter.test.ts. A pattern set is a net, not a proof: unknown formats can pass, and
 * an admin who must be certain keeps command lines off (Claude Code's OTEL_LOG_TOOL_DETAILS).
 */

export const REDACTED = '<REDACTED>'

interface SecretRule {
  id: string
  /** Global. With `keep`, the groups before the secret (kept) and the secret's own group number. */
  pattern: RegExp
  /** Groups 1..keep are kept as they are; the group keep+1 is the secret; groups after it are kept. */
  keep?: number
}

/** Names that say "the value after me is a secret" in an assignment or an option. */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|accountkey|private[_-]?key|client[_-]?secret|credentials?|auth[_-]?key|session[_-]?key|signing[_-]?key)[A-Za-z0-9_.-]*`

export const SECRET_RULES: readonly SecretRule[] = [
  // Whole blocks and URLs first, so that the narrower rules below do not cut them up.
  { id: 'private-key', pattern: /-----BEGIN[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  // scheme://user:password@host (basic auth, database connection strings): the password goes.
  { id: 'url-credentials', pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]+:)([^\s@/'"]+)(@)/gi, keep: 1 },
  // Authorization-style headers: "Authorization: Bearer x", "X-Api-Key: x", "Cookie: a=b".
  {
    id: 'auth-header',
    pattern:
      /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|private-token|x-goog-api-key|cookie)(\s*[:=]\s*(?:(?:bearer|basic|token|digest)\s+)?)([^\s"',;]+)/gi,
    keep: 2,
  },
  { id: 'bearer', pattern: /\b(bearer\s+)([A-Za-z0-9._~+/-]{6,}=*)/gi, keep: 1 },
  // curl -u user:password, --user user:password
  { id: 'curl-user', pattern: /((?:^|\s)(?:-u|--user)(?:\s+|=)["']?[^\s:"']+:)([^\s"']+)/g, keep: 1 },
  // mysql -pSECRET, mysql --password=SECRET (the latter also matches 'option' below)
  { id: 'mysql-password', pattern: /(\bmysql(?:dump|admin)?\b[^|;&\n]*?\s-p)([^\s"']+)/g, keep: 1 },
  // --password x, --token=x, --api-key "x"
  { id: 'option', pattern: new RegExp(String.raw`((?:^|\s)--?${SECRET_NAME}(?:\s+|=))(["']?)([^\s"']+)`, 'gi'), keep: 2 },
  // PASSWORD=x, api_key: "x", "client_secret":"x"
  { id: 'assignment', pattern: new RegExp(String.raw`\b(${SECRET_NAME}["']?\s*[=:]\s*)(["']?)([^\s"'&;,}]+)`, 'gi'), keep: 2 },
  // Token formats that announce themselves.
  { id: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g },
  { id: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { id: 'gitlab-token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g },
  { id: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { id: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9/_-]+/g },
  { id: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { id: 'openai-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { id: 'stripe-key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { id: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { id: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { id: 'sendgrid-key', pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b/g },
  { id: 'shopify-token', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g },
  { id: 'linear-key', pattern: /\blin_api_[A-Za-z0-9]{40}\b/g },
  { id: 'vault-token', pattern: /\bhv[sb]\.[A-Za-z0-9_-]{24,}\b/g },
  { id: 'onepassword-token', pattern: /\bops_eyJ[A-Za-z0-9_-]{20,}/g },
  { id: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { id: 'ccscope-token', pattern: /\bccs_[a-z0-9]{8}_[A-Za-z0-9_-]{20,}/g },
]

/** A cheap first look: text without any of these cannot match a rule (most values are names and ids). */
const MAYBE_SECRET =
  /[:=@]|-----BEGIN|bearer|AKIA|ASIA|ABIA|ACCA|A3T|gh[pousr]_|github_pat_|glpat-|xox|hooks\.slack|sk-|sk_|rk_|pk_|AIza|npm_|SG\.|shp|lin_api_|hv[sb]\.|ops_|eyJ|ccs_|mysql|-p|--|password|passwd|token|secret|key/i

/** The text with every secret the rules find replaced by <REDACTED>, and how many were. */
export function redactSecrets(text: string): { text: string; redacted: number } {
  if (text.length < 8 || !MAYBE_SECRET.test(text)) return { text, redacted: 0 }
  let redacted = 0
  let out = text
  for (const rule of SECRET_RULES) {
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      if (rule.keep === undefined) {
        redacted++
        return REDACTED
      }
      // The capture groups come first, then the match's offset (a number).
      const groups: Array<string | undefined> = []
      for (const value of rest) {
        if (typeof value === 'number') break
        groups.push(value as string | undefined)
      }
      const secret = groups[rule.keep]
      if (!secret || secret === REDACTED || secret.startsWith(REDACTED)) return match
      redacted++
      const before = groups.slice(0, rule.keep).join('')
      const after = match.slice(before.length + secret.length)
      return `${before}${REDACTED}${after}`
    })
  }
  return { text: out, redacted }
}
