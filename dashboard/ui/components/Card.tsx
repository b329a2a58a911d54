import type { ReactNode } from 'react'

/** A titled panel. `id` names it for tests and links (data-panel). */
export function Card({
  id,
  title,
  subtitle,
  actions,
  children,
  wide,
}: {
  id: string
  title: string
  subtitle?: string
  actions?: ReactNode
  children: ReactNode
  wide?: boolean
}) {
  return (
    <section className={`card${wide ? ' card-wide' : ''}`} aria-labelledby={`${id}-title`} data-panel={id}>
      <header className="card-header">
        <div>
          <h2 id={`${id}-title`}>{title}</h2>
          {subtitle ? <p className="card-subtitle">{subtitle}</p> : null}
        </div>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  )
}
