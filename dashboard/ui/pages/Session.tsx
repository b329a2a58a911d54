/** Placeholder until the page lands. */
export function SessionPage() {
  return <div className="page"><h1>Session</h1></div>
}
