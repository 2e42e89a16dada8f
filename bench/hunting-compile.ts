/**
 * Compile time over the dev corpus (../shared/data/hunting-queries-dev.jsonl): parse + bind + lower to
 * DuckDB SQL per query, p50 / p99 / max, after warm-up, with the compiled-query cache off (cold: what a
 * query costs the first time) and on (warm: the same text again, e.g. a scheduled or repeated hunt).
 * Baseline measured in the same run: Kusto.Language parse + bind alone (`analyze`, strict then lenient
 * when needed) for the same queries. Targets: p50 < 25 ms, p99 < 150 ms.
 */
import { analyze } from '../src/hunting/front-end/analyze.js'
import { HuntingEngine } from '../src/hunting/index.js'
import { readCorpus } from '../test/hunting/demo-data.js'

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!

function main(): void {
  const engine = HuntingEngine.create({ cacheEntries: 0 })
  const cached = HuntingEngine.create({ cacheEntries: 2000 })
  const t0 = performance.now()
  engine.warmUp()
  console.log(`hunting-compile: front end warm-up ${Math.round(performance.now() - t0)} ms`)
  const corpus = readCorpus()
  const input = {
    dialect: 'duckdb' as const,
    scope: { tenantId: 't', deviceIds: null },
    nowMs: Date.parse('2025-06-01T00:00:00Z'),
    rowLimit: 100_000,
  }
  for (const q of corpus.slice(0, 50)) engine.compile(q.query, input)
  const full: number[] = []
  const bindOnly: number[] = []
  const warm: number[] = []
  let compiled = 0
  for (const q of corpus) {
    let t = performance.now()
    analyze(q.query, engine.env)
    bindOnly.push(performance.now() - t)
    t = performance.now()
    const r = engine.compile(q.query, input)
    full.push(performance.now() - t)
    if (r.ok) compiled++
    cached.compile(q.query, input)
    t = performance.now()
    cached.compile(q.query, { ...input, nowMs: input.nowMs + 1000 })
    warm.push(performance.now() - t)
  }
  const row = (name: string, xs: number[]) =>
    `| ${name} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`
  console.log(`${corpus.length} queries, ${compiled} compiled to SQL`)
  console.log('| step | p50 ms | p99 ms | max ms |')
  console.log('|---|---|---|---|')
  console.log(row('Kusto.Language parse + bind (baseline)', bindOnly))
  console.log(row('compile, cold: parse + bind + IR + SQL', full))
  console.log(row('compile, warm (cached plan and SQL, new clock)', warm))
  console.log(
    `ratio p50 ${(pct(full, 0.5) / pct(bindOnly, 0.5)).toFixed(2)}; targets p50 < 25 ms: ${pct(full, 0.5) < 25 ? 'met' : 'missed'}, p99 < 150 ms: ${pct(full, 0.99) < 150 ? 'met' : 'missed'}`,
  )
}

main()
