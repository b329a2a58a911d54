import { Link } from 'react-router'
import type { WasteResponse } from '../../../schemas/waste'
import { formatUsd } from '../format'
import { wasteTotal, wasteView } from '../prepare/waste'

/** Waste patterns, priced per month where telemetry can price them, each with its rule and example sessions. */
export function WastePanel({ d, carry }: { d: WasteResponse; carry: string }) {
  return (
    <>
      <p data-waste-total>
        About <strong>{formatUsd(wasteTotal(d.patterns))}</strong> a month in the priced patterns (this range's {d.days} day{d.days === 1 ? '' : 's'} scaled to
        30).
      </p>
      <ul className="waste-list">
        {d.patterns.map((p) => {
          const v = wasteView(p)
          return (
            <li key={p.kind} data-waste={p.kind}>
              <div className="waste-head">
                <strong>{v.title}</strong>
                <span className={v.priced ? 'tag warn' : 'tag'} title={v.pricing} data-waste-price>
                  {v.price}
                </span>
                <span className="muted">{v.found}</span>
              </div>
              <p className="muted waste-rule">
                {v.rule} {v.pricing}
              </p>
              {p.examples.length > 0 ? (
                <ul className="waste-examples">
                  {p.examples.slice(0, 5).map((e) => (
                    <li key={e.sessionId}>
                      <Link to={`/sessions/${encodeURIComponent(e.sessionId)}${carry}`} title={e.sessionId}>
                        {e.sessionId.slice(0, 8)}
                      </Link>{' '}
                      {e.user} · {e.detail}
                      {e.usd !== null ? ` · ${formatUsd(e.usd)}` : ''}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          )
        })}
      </ul>
    </>
  )
}
