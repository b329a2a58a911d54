import { Writable } from 'node:stream'
import readline from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { hashPassword } from '../dashboard/api/auth/passwords'
import { mintToken, readUsersFile, writeUsersFile, type UsersFile } from '../dashboard/api/auth/store'
import { ROLES, roleSchema, type Role } from '../schemas/auth'
import { ConfigError, loadConfig } from '../server/config'

/**
 * `npm run users -- <command>`: dashboard users and API tokens, in the users file that ccscope reads
 * (CCSCOPE_USERS_FILE, default <CCSCOPE_DATA_DIR>/users.json). A running ccscope picks changes up at once.
 */
const USAGE = `usage: npm run users -- <command>

  list                                         users and tokens (never a password or token)
  add <name> --role <role> [--team <team>]...  add a user; asks for the password (or --password-stdin;
                                               --no-password for a user who signs in only through the SSO proxy)
  passwd <name> [--password-stdin]             set a user's password
  set <name> --role <role> [--team <team>]...  change a user's role and teams
  remove <name>                                remove a user (their sessions end at once)
  token add --role <role> [--team <team>]... [--label <text>]
                                               mint an API token for scripts; it is shown once
  token remove <id>                            revoke a token

roles: ${ROLES.join(', ')}. A manager sees only the teams given with --team (one or more).`

class UsageError extends Error {}

const MIN_PASSWORD = 10

function roleAndTeams(values: { role?: string; team?: string[] }): { role: Role; teams: string[] } {
  const role = roleSchema.safeParse(values.role)
  if (!role.success) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`)
  const teams = [...new Set((values.team ?? []).map((t) => t.trim()).filter((t) => t.length > 0))]
  if (role.data === 'manager' && teams.length === 0) throw new UsageError('a manager needs at least one --team: they see only their teams')
  if (role.data !== 'manager' && teams.length > 0) throw new UsageError(`--team applies to managers only (${role.data} sees every team)`)
  return { role: role.data, teams }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  let password: string
  if (fromStdin) {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '')
  } else {
    if (!process.stdin.isTTY) throw new UsageError('no terminal to ask for the password on: pipe it in with --password-stdin')
    // Typed characters are not echoed: the prompt is written, then the output is muted.
    let muted = false
    const output = new Writable({ write: (chunk, _enc, done) => (muted ? done() : process.stdout.write(chunk, () => done())) })
    const rl = readline.createInterface({ input: process.stdin, output, terminal: true })
    const ask = async (prompt: string) => {
      process.stdout.write(prompt)
      muted = true
      const answer = await rl.question('')
      muted = false
      process.stdout.write('\n')
      return answer
    }
    password = await ask('Password: ')
    const again = await ask('Again: ')
    rl.close()
    if (again !== password) throw new UsageError('the two passwords differ')
  }
  if ([...password].length < MIN_PASSWORD) throw new UsageError(`the password needs at least ${MIN_PASSWORD} characters`)
  return password
}

async function main(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      team: { type: 'string', multiple: true },
      label: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      'no-password': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || positionals.length === 0) return USAGE
  const file = loadConfig(process.env).auth.usersFile
  const data: UsersFile = readUsersFile(file)
  const [command, sub, arg] = positionals
  const save = (message: string) => {
    writeUsersFile(file, data)
    return `${message} (${file})`
  }
  const find = (name: string | undefined) => {
    const user = data.users.find((u) => u.name === name)
    if (!user) throw new UsageError(`no user ${name ?? '(name missing)'}`)
    return user
  }

  switch (command) {
    case 'list': {
      const users = data.users.map(
        (u) => `user  ${u.name}  ${u.role}${u.teams.length ? `  teams: ${u.teams.join(', ')}` : ''}${u.passwordHash ? '' : '  (SSO only)'}`,
      )
      const tokens = data.tokens.map(
        (t) => `token ${t.id}  ${t.role}${t.teams.length ? `  teams: ${t.teams.join(', ')}` : ''}  ${t.label}  created ${t.created}`,
      )
      return [...users, ...tokens].join('\n') || `no users or tokens yet (${file}): the dashboard is open to this machine only`
    }
    case 'add': {
      const name = sub?.trim()
      if (!name) throw new UsageError('add needs a user name')
      if (data.users.some((u) => u.name === name)) throw new UsageError(`user ${name} exists: use set or passwd`)
      const access = roleAndTeams(values)
      const passwordHash = values['no-password'] ? undefined : await hashPassword(await readPassword(values['password-stdin'] ?? false))
      data.users.push({ name, ...access, ...(passwordHash ? { passwordHash } : {}) })
      return save(`added ${name} as ${access.role}${access.teams.length ? ` of ${access.teams.join(', ')}` : ''}`)
    }
    case 'passwd': {
      const user = find(sub)
      user.passwordHash = await hashPassword(await readPassword(values['password-stdin'] ?? false))
      return save(`password of ${user.name} changed`)
    }
    case 'set': {
      const user = find(sub)
      Object.assign(user, roleAndTeams(values))
      return save(`${user.name} is now ${user.role}${user.teams.length ? ` of ${user.teams.join(', ')}` : ''}`)
    }
    case 'remove': {
      const user = find(sub)
      data.users = data.users.filter((u) => u !== user)
      return save(`removed ${user.name}`)
    }
    case 'token': {
      if (sub === 'add') {
        const access = roleAndTeams(values)
        const { token, entry } = mintToken(access.role, access.teams, values.label ?? '')
        data.tokens.push(entry)
        const saved = save(`token ${entry.id} added as ${access.role}`)
        return `${saved}\nThe token, shown only now (send it as Authorization: Bearer <token>):\n${token}`
      }
      if (sub === 'remove') {
        const before = data.tokens.length
        data.tokens = data.tokens.filter((t) => t.id !== arg)
        if (data.tokens.length === before) throw new UsageError(`no token ${arg ?? '(id missing)'}`)
        return save(`token ${arg} revoked`)
      }
      throw new UsageError('token add | token remove <id>')
    }
    default:
      throw new UsageError(`unknown command ${command}`)
  }
}

main(process.argv.slice(2)).then(
  (message) => {
    process.stdout.write(`${message}\n`)
  },
  (error: unknown) => {
    const text =
      error instanceof UsageError || error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(`users: ${text}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`)
    process.exit(error instanceof UsageError || error instanceof ConfigError ? 2 : 1)
  },
)
