/** Placeholder until the page lands. */
export function AdoptionPage() {
  return <div className="page"><h1>Adoption</h1></div>
}
