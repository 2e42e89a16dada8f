/**
 * Fast local row maker for the hunting benchmarks: DeviceProcessEvents and DeviceNetworkEvents rows
 * generated inside DuckDB with SQL (deterministic hashes of the row number), shaped like the synthetic
 * set of perf-baselines §2: 2,000 devices, 30 days, skewed file names, command lines of ~100-200
 * characters from templates, flags, GUIDs and paths, rare needles (`-enc`, `sekurlsa`); network rows
 * reference real (DeviceId, InitiatingProcessId, Timestamp + 0-10 min) of process rows.
 */
import { huntingTableDdl } from '../src/hunting/index.js'
import type { Db } from '../src/store/db.js'

/** A GUID, so the HTTP variant of the benchmark can create an identity tenant with this id. */
export const BENCH_TENANT = '0be4c400-0000-4000-8000-00000000be4c'
export const BENCH_NOW_MS = Date.parse('2025-06-01T00:00:00Z')

const FILES = [
  'svchost.exe',
  'svchost.exe',
  'svchost.exe',
  'conhost.exe',
  'conhost.exe',
  'chrome.exe',
  'msedge.exe',
  'powershell.exe',
  'cmd.exe',
  'explorer.exe',
  'rundll32.exe',
  'taskhostw.exe',
  'wmiprvse.exe',
  'lsass.exe',
  'services.exe',
  'SearchIndexer.exe',
  'OneDrive.exe',
  'Teams.exe',
  'outlook.exe',
  'winword.exe',
]

export async function makeHuntingData(db: Db, processRows: number, networkRows: number): Promise<void> {
  await db.executeScript(huntingTableDdl('duckdb'))
  const files = `['${FILES.join("','")}'] || list_transform(range(0, 4980), x -> 'app' || x || '.exe')`
  const h = (salt: string) => `hash(i, '${salt}')`
  await db.execute(`
    INSERT INTO "DeviceProcessEvents" ("TenantId", "Timestamp", "DeviceId", "DeviceName", "ActionType", "FileName",
      "FolderPath", "SHA1", "SHA256", "MD5", "FileSize", "ProcessId", "ProcessCommandLine", "ProcessCreationTime",
      "AccountDomain", "AccountName", "InitiatingProcessId", "InitiatingProcessFileName",
      "InitiatingProcessCommandLine", "ReportId")
    SELECT '${BENCH_TENANT}',
      TIMESTAMP '2025-05-02 00:00:00' + to_microseconds(CAST(i * (2592000000000 // ${processRows}) AS BIGINT)),
      'dev' || lpad(CAST(CAST(floor(pow(${h('d')} % 1000000 / 1000000.0, 1.6) * 2000) AS BIGINT) AS VARCHAR), 37, '0'),
      'host-' || CAST(CAST(floor(pow(${h('d')} % 1000000 / 1000000.0, 1.6) * 2000) AS BIGINT) AS VARCHAR) || '.corp.example',
      'ProcessCreated',
      f.name,
      'C:\\\\Windows\\\\System32\\\\' || f.name,
      md5(f.name || 'sha1'), md5(f.name || 'a') || md5(f.name || 'b'), md5(f.name),
      CAST(${h('s')} % 5000000 AS BIGINT),
      CAST(${h('p')} % 60000 AS BIGINT),
      CASE
        WHEN f.name = 'powershell.exe' AND ${h('e')} % 30 = 0 THEN 'powershell.exe -nop -w hidden -enc ' || to_base64(encode(md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR))))
        WHEN ${h('k')} % 20000 = 0 THEN 'mimikatz.exe "privilege::debug" "SeKurLsa::LogonPasswords" exit'
        WHEN ${h('t')} % 2 = 0 THEN '"C:\\\\Windows\\\\System32\\\\' || f.name || '" -k netsvcs -p -s Schedule /flag' || CAST(${h('t')} % 7 AS VARCHAR)
        ELSE f.name || ' /c "C:\\\\Users\\\\user' || CAST(${h('u')} % 3000 AS VARCHAR) || '\\\\AppData\\\\Local\\\\Temp\\\\' || md5(CAST(${h('g')} % 200000 AS VARCHAR)) || '.tmp" --url https://cdn' || CAST(${h('c')} % 97 AS VARCHAR) || '.example.com/path/' || CAST(${h('n')} % 100000 AS VARCHAR) || ' --retry ' || CAST(${h('r')} % 9 AS VARCHAR)
      END,
      TIMESTAMP '2025-05-02 00:00:00' + to_microseconds(CAST(i * (2592000000000 // ${processRows}) AS BIGINT)),
      'corp', 'user' || CAST(${h('u')} % 3000 AS VARCHAR),
      CAST(${h('ip')} % 2000 AS BIGINT), 'services.exe', 'services.exe', i
    FROM range(0, ${processRows}) AS r(i)
    CROSS JOIN LATERAL (SELECT (${files})[1 + CAST(floor(pow(${h('f')} % 1000000 / 1000000.0, 3.0) * 5000) AS BIGINT)] AS name) AS f`)
  await db.execute(`
    INSERT INTO "DeviceNetworkEvents" ("TenantId", "Timestamp", "DeviceId", "DeviceName", "ActionType", "RemoteIP",
      "RemotePort", "RemoteUrl", "InitiatingProcessId", "InitiatingProcessFileName", "ReportId")
    SELECT '${BENCH_TENANT}', p."Timestamp" + to_microseconds(CAST(hash(j, 'w') % 600000000 AS BIGINT)),
      p."DeviceId", p."DeviceName", 'ConnectionSuccess',
      '10.' || CAST(hash(j, 'a') % 256 AS VARCHAR) || '.' || CAST(hash(j, 'b') % 256 AS VARCHAR) || '.1',
      443, 'cdn' || CAST(hash(j, 'c') % 97 AS VARCHAR) || '.example.com', p."InitiatingProcessId", p."FileName", j
    FROM range(0, ${networkRows}) AS r(j)
    JOIN "DeviceProcessEvents" AS p ON p."ReportId" = CAST(hash(j, 'pick') % ${processRows} AS BIGINT)`)
}
