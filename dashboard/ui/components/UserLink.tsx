import { Link } from 'react-router'
import { userPath } from '../prepare/users'

/**
 * A person's user key as a link to their page (`search` carries the filters). On a phone the key is cut with an
 * ellipsis so that the figures beside it stay in view (styles.css, .user-key); the page's text keeps the whole key,
 * so it copies whole, and hovering shows it.
 */
export function UserLink({ user, search, label }: { user: string; search: string; label?: string }) {
  return (
    <Link to={userPath(user, search)} className="user-key" title={user}>
      {label ?? user}
    </Link>
  )
}
