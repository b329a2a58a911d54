/** Placeholder until the page lands. */
export function UserPage() {
  return <div className="page"><h1>User</h1></div>
}
