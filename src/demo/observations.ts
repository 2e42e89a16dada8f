import type { Db } from '../store/db.js'

/**
 * The `observations` rows of a tenant (one per device × file / remote IP / domain it touched, with
 * first/last time; the basis of the API's files/IPs/domains `…/stats` and `…/machines` routes),
 * derived from the tenant's telemetry already in the hunting tables — so the API's answers agree with
 * what advanced hunting shows by construction:
 * - File: SHA1 of DeviceProcessEvents (process images), DeviceFileEvents, DeviceImageLoadEvents;
 *   `fileName` = the (alphabetically last) file name the device saw it under.
 * - Ip: RemoteIP of DeviceNetworkEvents (connections either way) and DeviceLogonEvents (remote logons).
 * - Domain: the host of DeviceNetworkEvents.RemoteUrl and DeviceFileEvents.FileOriginUrl (lower-case,
 *   scheme, port and path removed).
 * Values are lower-case, as the routes look them up.
 */
export async function insertObservations(tx: Db, tenantId: string): Promise<number> {
  const host = (col: string) =>
    tx.dialect === 'postgres'
      ? `substring(lower(${col}) from '^(?:[a-z][a-z0-9+.-]*://)?([^/:?#@]+)')`
      : `regexp_extract(lower(${col}), '^(?:[a-z][a-z0-9+.-]*://)?([^/:?#@]+)', 1)`
  const sources = {
    File: ['DeviceProcessEvents', 'DeviceFileEvents', 'DeviceImageLoadEvents'].map(
      (t) =>
        `SELECT lower("SHA1") AS v, "DeviceId" AS m, "Timestamp" AS ts, "FileName" AS fn FROM "${t}" WHERE "TenantId" = $1 AND "SHA1" <> ''`,
    ),
    Ip: ['DeviceNetworkEvents', 'DeviceLogonEvents'].map(
      (t) =>
        `SELECT lower("RemoteIP") AS v, "DeviceId" AS m, "Timestamp" AS ts, NULL AS fn FROM "${t}" WHERE "TenantId" = $1 AND "RemoteIP" <> '' AND "RemoteIP" <> '-'`,
    ),
    Domain: [
      ['DeviceNetworkEvents', 'RemoteUrl'],
      ['DeviceFileEvents', 'FileOriginUrl'],
    ].map(
      ([t, c]) =>
        `SELECT ${host(`"${c}"`)} AS v, "DeviceId" AS m, "Timestamp" AS ts, NULL AS fn FROM "${t}" WHERE "TenantId" = $1 AND "${c}" <> ''`,
    ),
  }
  let n = 0
  for (const [kind, selects] of Object.entries(sources))
    n += await tx.execute(
      `INSERT INTO observations ("tenantId", "kind", "value", "machineId", "firstSeen", "lastSeen", "fileName")
       SELECT $1, '${kind}', v, m, min(ts), max(ts), max(fn)
         FROM (${selects.join(' UNION ALL ')}) s
        WHERE v IS NOT NULL AND v <> ''
        GROUP BY v, m`,
      [tenantId],
    )
  return n
}
