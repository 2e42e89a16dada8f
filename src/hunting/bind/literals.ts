/** Parsing of KQL datetime and timespan literal text (more reliable than the Bridge value objects). */

const UNIT_US: Record<string, number> = {
  d: 86_400e6,
  day: 86_400e6,
  days: 86_400e6,
  h: 3_600e6,
  hr: 3_600e6,
  hrs: 3_600e6,
  hour: 3_600e6,
  hours: 3_600e6,
  m: 60e6,
  min: 60e6,
  minute: 60e6,
  minutes: 60e6,
  s: 1e6,
  sec: 1e6,
  second: 1e6,
  seconds: 1e6,
  ms: 1e3,
  milli: 1e3,
  millis: 1e3,
  millisecond: 1e3,
  milliseconds: 1e3,
  microsecond: 1,
  microseconds: 1,
  tick: 0.1,
  ticks: 0.1,
}

/** Timespan literal text (`1d`, `1.5h`, `time(1.02:03:04)`, `10ms`) → microseconds, or undefined. */
export function parseTimespan(text: string): number | undefined {
  let t = text.trim()
  const wrapped = /^(?:time|timespan)\s*\(\s*(.*?)\s*\)$/i.exec(t)
  if (wrapped) t = wrapped[1]!
  if (/^null$/i.test(t)) return undefined
  const u = /^(-?\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(t)
  if (u) {
    const f = UNIT_US[u[2]!.toLowerCase()]
    return f === undefined ? undefined : Math.round(Number(u[1]) * f)
  }
  if (/^-?\d+(?:\.\d+)?$/.test(t)) return Math.round(Number(t) * 86_400e6)
  const c = /^(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+)(?:\.(\d{1,7}))?)?$/.exec(t)
  if (c) {
    const us =
      Number(c[2] ?? 0) * 86_400e6 +
      Number(c[3]) * 3_600e6 +
      Number(c[4]) * 60e6 +
      Number(c[5] ?? 0) * 1e6 +
      Math.floor(Number((c[6] ?? '0').padEnd(7, '0')) / 10)
    return c[1] ? -us : us
  }
  return undefined
}

/** Datetime literal text (`datetime(2024-01-02 03:04:05.1234567)`) → epoch microseconds, or null. */
export function parseDatetime(text: string): number | null | undefined {
  let t = text.trim()
  const wrapped = /^(?:datetime|date)\s*\(\s*(.*?)\s*\)$/i.exec(t)
  if (wrapped) t = wrapped[1]!
  // datetime("…") / datetime('…'): the quoted text is the value.
  const quoted = /^(["'])(.*)\1$/.exec(t)
  if (quoted) t = quoted[2]!.trim()
  if (/^null$/i.test(t)) return null
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      t,
    )
  if (m) {
    // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear takes the year as written
    const ms =
      new Date(0).setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])) +
      ((Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) * 60 + Number(m[6] ?? 0)) * 1000
    let us = ms * 1000 + Math.floor(Number((m[7] ?? '0').padEnd(7, '0')) / 10)
    const tz = m[8]
    if (tz && tz.toUpperCase() !== 'Z') {
      const sign = tz.startsWith('-') ? -1 : 1
      const digits = tz.slice(1).replace(':', '')
      us -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60e6
    }
    return us
  }
  const parsed = Date.parse(/(GMT|UTC|Z|[+-]\d{4})$/i.test(t) ? t : `${t} UTC`)
  return Number.isNaN(parsed) ? undefined : parsed * 1000
}
