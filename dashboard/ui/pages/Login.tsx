import { useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { ApiRequestError, signIn, switchUser } from '../api'

/** Shown instead of the dashboard while nobody is signed in (or when a session ends). */
export function LoginPage() {
  const queryClient = useQueryClient()
  const id = useId()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setError(null)
    try {
      const me = await signIn({ user: String(form.get('user') ?? ''), password: String(form.get('password') ?? '') })
      switchUser(queryClient, me)
    } catch (failure) {
      setError(failure instanceof ApiRequestError ? `${failure.message}.` : 'Sign-in failed.')
      setBusy(false)
    }
  }

  return (
    <main className="login">
      <form className="card login-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`} data-panel="login">
        <h1 id={`${id}-title`}>Sign in to ccscope</h1>
        <label htmlFor={`${id}-user`}>User name</label>
        {/* biome-ignore lint/a11y/noAutofocus: the page holds nothing but this form; its first field is where everyone starts */}
        <input id={`${id}-user`} name="user" autoComplete="username" required autoFocus />
        <label htmlFor={`${id}-password`}>Password</label>
        <input id={`${id}-password`} name="password" type="password" autoComplete="current-password" required />
        {error ? (
          <p className="error" role="alert" data-login-error>
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted">
          An admin adds users with <code>npm run users -- add</code>.
        </p>
      </form>
    </main>
  )
}
