import { tableWrapClass } from './DataTable'
import type { SessionResponse, TimelineItem } from '../../../schemas/users'
import { promptHeading, timelineEntry, type TimelineEntry } from '../prepare/users'

const HEAD_ROW = { background: '#f3f4f6' }
const WRAP = { whiteSpace: 'normal', overflowWrap: 'anywhere', minWidth: '6rem' } as const
const SUB = { display: 'block', fontSize: '0.8rem' } as const

/** Four columns, so that a narrow window shows a row whole: time, event (and model or tool), details, cost (and duration). */
function EntryRow({ entry }: { entry: TimelineEntry }) {
  return (
    <tr className={entry.denied ? 'denied' : undefined} data-event={entry.event}>
      <td data-col="time" style={{ fontVariantNumeric: 'tabular-nums' }}>
        {entry.time}
      </td>
      <td data-col="event" style={{ whiteSpace: 'normal', minWidth: '6rem' }}>
        {entry.event}
        {entry.subject ? (
          <span className="muted" style={SUB} data-subject>
            {entry.subject}
          </span>
        ) : null}
      </td>
      <td data-col="detail" style={WRAP}>
        {entry.tags.map((t) => (
          <span key={t.text} className={`tag${t.tone ? ` ${t.tone}` : ''}`} style={{ marginRight: 6 }}>
            {t.text}
          </span>
        ))}
        {entry.detail ? <span className={entry.tags.length ? 'muted' : undefined}>{entry.detail}</span> : null}
        {entry.command ? (
          <code style={{ display: 'block', marginTop: 2 }} data-command>
            {entry.command}
          </code>
        ) : null}
      </td>
      <td data-col="cost" className="num">
        {entry.cost}
        {entry.duration ? (
          <span className="muted" style={SUB} data-duration title="Duration">
            {entry.duration}
          </span>
        ) : null}
      </td>
    </tr>
  )
}

function Group({ id, title, meta, items, timeZone }: { id: string; title: string; meta: string[]; items: TimelineItem[]; timeZone: string }) {
  return (
    <tbody data-prompt={id}>
      <tr style={HEAD_ROW}>
        <th scope="rowgroup" colSpan={4} style={{ textTransform: 'none', letterSpacing: 0, fontSize: '0.85rem', color: '#111827', whiteSpace: 'normal' }}>
          {title}
          {meta.length ? (
            <span className="muted" style={{ fontWeight: 400 }}>
              {' '}
              · {meta.join(' · ')}
            </span>
          ) : null}
        </th>
      </tr>
      {items.map((item) => {
        const entry = timelineEntry(item, timeZone)
        return <EntryRow key={entry.key} entry={entry} />
      })}
    </tbody>
  )
}

/** The session in order: the preamble, then each prompt with its requests, decisions and results. */
export function TimelineTable({ session, timeZone }: { session: SessionResponse; timeZone: string }) {
  const rows = session.preamble.length + session.prompts.reduce((n, p) => n + 1 + p.items.length, 0)
  return (
    <div className={tableWrapClass(rows)}>
      <table data-table="session-timeline">
        <caption className="sr-only">Session timeline: each prompt with its API requests, tool decisions and tool results, in order</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Details</th>
            <th scope="col" className="num" style={{ whiteSpace: 'normal' }}>
              Cost, duration
            </th>
          </tr>
        </thead>
        {session.preamble.length ? <Group id="preamble" title="Before the first prompt" meta={[]} items={session.preamble} timeZone={timeZone} /> : null}
        {session.prompts.map((p, i) => {
          const h = promptHeading(p, i, timeZone)
          return <Group key={p.promptId} id={p.promptId} title={h.title} meta={[h.time, h.length, h.requests, h.cost]} items={p.items} timeZone={timeZone} />
        })}
      </table>
    </div>
  )
}
