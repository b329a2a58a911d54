/** Placeholder until the page lands. */
export function CostPage() {
  return <div className="page"><h1>Cost</h1></div>
}
