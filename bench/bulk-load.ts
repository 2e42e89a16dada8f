import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { huntingTable, type HuntingColumn } from '../src/schema/hunting-tables.js'
import { catalogueMigrations } from '../src/store/catalogue-migrations.js'
import type { Db } from '../src/store/db.js'
import { openDuckDb } from '../src/store/duckdb-db.js'
import { migrate } from '../src/store/migrations.js'
import { openPostgres } from '../src/store/postgres-db.js'

/**
 * Bulk-load benchmark (issue 2): N wide DeviceProcessEvents rows (~1 KB) loaded (a) by the engine's own
 * COPY from a CSV file of the same rows (baseline) and (b) by our path from JS column arrays
 * (`db.bulkWriter`, 20k-row batches as the demo generator sends them). Prints rows/s and the ratio
 * per round and the median ratio (DuckDB: `rounds` interleaved pairs; PostgreSQL: one pair).
 * Usage: node dist/bench/bulk-load.js [rows=200000] [postgres-url|''] [rounds=3]
 */
const N = Number(process.argv[2] ?? 200_000)
const PG_URL = process.argv[3]
const ROUNDS = Number(process.argv[4] ?? 3)
const BATCH = 20_000
const TABLE = 'DeviceProcessEvents'
const TENANT = '4b1f6a9e-0d7c-4a55-9a0e-1c2d3e4f5a6b'

function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const EXES = [
  'powershell.exe',
  'cmd.exe',
  'svchost.exe',
  'chrome.exe',
  'rundll32.exe',
  'msedge.exe',
  'bash',
  'python3',
]
const DIRS = [
  'C:\\Windows\\System32',
  'C:\\Program Files\\Google\\Chrome\\Application',
  '/usr/bin',
  'C:\\Users\\alice\\AppData\\Local\\Temp',
]
const USERS = ['alice', 'bob', 'svc-backup', 'system', "carol.o'neil"]

function hex(r: () => number, n: number): string {
  let s = ''
  while (s.length < n)
    s += Math.floor(r() * 0xffffffff)
      .toString(16)
      .padStart(8, '0')
  return s.slice(0, n)
}

function valueFor(c: HuntingColumn, r: () => number, row: number, t0: number): unknown {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!
  switch (c.type) {
    case 'datetime':
      return new Date(t0 + row * 3000 + Math.floor(r() * 1000))
    case 'long':
      return Math.floor(r() * 65536)
    case 'int':
      return Math.floor(r() * 10)
    case 'real':
      return r() * 100
    case 'bool':
      return r() < 0.5
    case 'dynamic':
      return { Flags: Math.floor(r() * 8), Note: pick(USERS) }
    case 'guid':
    case 'string':
      break
  }
  const n = c.name
  if (n === 'DeviceId') return hex(r, 40)
  if (n === 'DeviceName') return `ws-${Math.floor(r() * 50)}.contoso.local`
  if (n.endsWith('SHA1')) return hex(r, 40)
  if (n.endsWith('SHA256')) return r() < 0.3 ? '' : hex(r, 64)
  if (n.endsWith('MD5')) return hex(r, 32)
  if (n.endsWith('CommandLine'))
    return `"${pick(EXES)}" -NoProfile -ExecutionPolicy Bypass -Command "Get-ChildItem ${pick(DIRS)} | Select-Object -First ${Math.floor(r() * 100)}; Write-Output 'done, ok'"`
  if (n.endsWith('FolderPath')) return `${pick(DIRS)}\\${pick(EXES)}`
  if (n.endsWith('FileName')) return pick(EXES)
  if (n.includes('AccountName')) return pick(USERS)
  if (n.includes('AccountDomain')) return 'CONTOSO'
  if (n.includes('Sid')) return `S-1-5-21-${Math.floor(r() * 1e9)}-${Math.floor(r() * 1e9)}-1001`
  if (n.includes('Upn')) return `${pick(USERS)}@contoso.com`
  if (n === 'ActionType') return 'ProcessCreated'
  if (n.includes('VersionInfo')) return pick(['Microsoft Corporation', 'Google LLC', '10.0.19041.1', ''])
  if (n === 'AdditionalFields') return ''
  return r() < 0.5 ? '' : pick(['High', 'System', 'TokenElevationTypeDefault', 'Medium', 'x'])
}

/** Columnar batches of realistic DeviceProcessEvents rows, "TenantId" first, in time order. */
function makeBatches(): { columns: string[]; batches: unknown[][][] } {
  const table = huntingTable(TABLE)!
  const columns = ['TenantId', ...table.columns.map((c) => c.name)]
  const r = prng(42)
  const t0 = Date.UTC(2026, 10, 20)
  const batches: unknown[][][] = []
  for (let from = 0; from < N; from += BATCH) {
    const n = Math.min(BATCH, N - from)
    const data = columns.map(() => new Array<unknown>(n))
    for (let i = 0; i < n; i++) {
      data[0]![i] = TENANT
      table.columns.forEach((c, ci) => (data[ci + 1]![i] = valueFor(c, r, from + i, t0)))
    }
    batches.push(data)
  }
  return { columns, batches }
}

async function ours(db: Db, table: string, columns: string[], batches: unknown[][][]): Promise<number> {
  const t = performance.now()
  const w = db.bulkWriter(table, columns)
  for (const data of batches) await w.write({ table, columns, data })
  const written = performance.now()
  await w.close()
  console.log(
    `  ${db.dialect}: ours: encode+stream ${((written - t) / 1000).toFixed(2)} s, final insert/commit ${((performance.now() - written) / 1000).toFixed(2)} s`,
  )
  if (db.dialect === 'duckdb') await db.executeScript('CHECKPOINT')
  return performance.now() - t
}

function rate(ms: number): number {
  return Math.round((N / ms) * 1000)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

interface Round {
  baseMs: number
  oursMs: number
}

function report(engine: string, rounds: Round[], baseline: string): void {
  rounds.forEach((r, i) =>
    console.log(
      `${engine} round ${i + 1}: baseline (${baseline}) ${rate(r.baseMs)} rows/s, ours (bulkWriter from JS columns) ${rate(r.oursMs)} rows/s, ratio ${(r.baseMs / r.oursMs).toFixed(2)}`,
    ),
  )
  const ratios = rounds.map((r) => r.baseMs / r.oursMs)
  console.log(
    `${engine}: median ratio ours/baseline = ${median(ratios).toFixed(2)} (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})`,
  )
}

/**
 * DuckDB: ROUNDS pairs, each into fresh tables, the order alternating (ours first, then baseline
 * first, …) so that a burst of load from other processes hits both sides; the median ratio is the
 * figure (the machine this runs on is shared).
 */
async function duck(columns: string[], batches: unknown[][][], dir: string): Promise<void> {
  const db = await openDuckDb({ path: join(dir, 'bench.duckdb') })
  try {
    await migrate(db, catalogueMigrations)
    const csv = join(dir, 'rows.csv')
    const rounds: Round[] = []
    for (let i = 0; i < ROUNDS; i++) {
      await db.executeScript(
        `CREATE TABLE ours_${i} AS SELECT * FROM "${TABLE}" LIMIT 0; CREATE TABLE copy_${i} AS SELECT * FROM "${TABLE}" LIMIT 0`,
      )
      if (i === 0) {
        // The baseline's input: the same rows as CSV, written by DuckDB from a first load (not timed).
        await ours(db, `ours_${i}`, columns, batches)
        await db.executeScript(`COPY ours_${i} TO '${csv}' (HEADER false); DELETE FROM ours_${i}; CHECKPOINT`)
        console.log(`duckdb: ${N} rows, CSV file ${(statSync(csv).size / 1e6).toFixed(0)} MB`)
      }
      const copy = async () => {
        const t = performance.now()
        await db.executeScript(`COPY copy_${i} FROM '${csv}' (HEADER false, AUTO_DETECT false); CHECKPOINT`)
        return performance.now() - t
      }
      const round: Round = { baseMs: 0, oursMs: 0 }
      if (i % 2 === 0) {
        round.oursMs = await ours(db, `ours_${i}`, columns, batches)
        round.baseMs = await copy()
      } else {
        round.baseMs = await copy()
        round.oursMs = await ours(db, `ours_${i}`, columns, batches)
      }
      const [check] = await db.query<{ a: number; b: number }>(
        `SELECT (SELECT count(*) FROM ours_${i}) AS a, (SELECT count(*) FROM copy_${i}) AS b`,
      )
      if (Number(check!.a) !== N || Number(check!.b) !== N) throw new Error('row counts differ')
      await db.executeScript(`DROP TABLE ours_${i}; DROP TABLE copy_${i}; CHECKPOINT`)
      rounds.push(round)
    }
    report('duckdb', rounds, 'COPY FROM csv file')
  } finally {
    await db.close()
  }
}

async function postgres(columns: string[], batches: unknown[][][], dir: string, url: string): Promise<void> {
  const schema = `bench_${process.pid}`
  const db = await openPostgres({ url, schema })
  try {
    await migrate(db, catalogueMigrations)
    await db.executeScript(`CREATE TABLE copy_target (LIKE "${TABLE}" INCLUDING ALL)`)
    const oursMs = await ours(db, TABLE, columns, batches)
    const csv = join(dir, 'rows.csv')
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
    await client.connect()
    try {
      const t = performance.now()
      await pipeline(
        createReadStream(csv),
        client.query(copyFrom(`COPY copy_target FROM STDIN (FORMAT csv)`)),
      )
      const baseMs = performance.now() - t
      report('postgres', [{ baseMs, oursMs }], 'COPY FROM STDIN of the csv file')
    } finally {
      await client.end()
    }
  } finally {
    await db.execute(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined)
    await db.close()
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'))
try {
  const t = performance.now()
  const { columns, batches } = makeBatches()
  console.log(
    `generated ${N} rows × ${columns.length} columns in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`,
  )
  await duck(columns, batches, dir)
  if (PG_URL) await postgres(columns, batches, dir, PG_URL)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
