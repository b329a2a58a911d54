import { formatDuration, formatInstant } from '../format'
import type { Waterfall } from '../prepare/traces'

const ms = (v: number) => (v < 1000 ? `${Math.round(v)} ms` : formatDuration(v / 1000))

/** Each prompt's trace as a waterfall: the span tree down the side, each span's bar on the prompt's time axis. */
export function TraceWaterfalls({ traces, timeZone }: { traces: Waterfall[]; timeZone: string }) {
  return (
    <div className="waterfalls" data-waterfalls={traces.length}>
      {traces.map((t, i) => (
        <section key={t.traceId} className="waterfall" data-trace={t.traceId} aria-label={`Prompt ${i + 1}`}>
          <h3>
            Prompt {i + 1}{' '}
            <span className="muted">
              · {formatInstant(t.start, timeZone)} · {ms(t.durationMs)}
            </span>
          </h3>
          <ul>
            {t.rows.map((r) => (
              <li key={r.key} className={r.error ? 'span-row error-span' : 'span-row'} data-span-depth={r.depth}>
                <span className="span-label" style={{ paddingLeft: `${r.depth * 14}px` }} title={r.label}>
                  {r.label}
                </span>
                <span className="span-track" aria-hidden="true">
                  <span className="span-bar" style={{ left: `${r.offsetPct}%`, width: `${Math.min(r.widthPct, 100 - r.offsetPct)}%` }} />
                </span>
                <span className="span-ms num">{ms(r.durationMs)}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  )
}
