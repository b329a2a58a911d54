/** Placeholder until the page lands. */
export function UsersPage() {
  return <div className="page"><h1>Users</h1></div>
}
