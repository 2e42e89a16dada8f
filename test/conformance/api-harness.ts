import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { jwtVerify, SignJWT } from 'jose'
import { mdeFrameworkErrors } from '../../src/api/error-handler.js'
import { MdeApi } from '../../src/api/mde-api.js'
import type { RateLimitProfile } from '../../src/api/rate-limit.js'
import type { ApiOptions } from '../../src/api/api-deps.js'
import { ManualClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/logger.js'
import { canSeeDeviceGroup, decide } from '../../src/identity/authorizer.js'
import { AuthenticationError, type Authorizer, type Principal } from '../../src/identity/principal.js'
import { MDE_RESOURCE } from '../../src/identity/resources.js'
import type { RbacPermission } from '../../src/schema/permissions.js'
import { catalogueMigrations } from '../../src/store/catalogue-migrations.js'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrations.js'
import type { TestBackend } from '../helpers/stores.js'

export const TENANT = '7d0c1a5e-0000-4000-8000-00000000a001'
export const OTHER_TENANT = '7d0c1a5e-0000-4000-8000-00000000b002'
export const APP_ID = '11111111-1111-1111-1111-111111111111'
export const OTHER_APP_ID = '22222222-2222-2222-2222-222222222222'
export const NOW = '2026-11-29T06:00:00Z'

/**
 * Stand-in for the identity module's token verification in HTTP tests: real JWTs (HS256, jose) whose
 * claims carry what the directory would resolve (RBAC, device groups). The authorization decision
 * itself is identity's real `decide`.
 */
export class TestAuthorizer implements Authorizer {
  readonly #key = randomBytes(32)
  constructor(readonly clock: ManualClock) {}

  async token(p: {
    kind?: 'application' | 'user'
    tenantId?: string
    appId?: string
    appName?: string
    permissions: string[]
    rbac?: RbacPermission[]
    groups?: number[] | null
    upn?: string
    expiresInSeconds?: number
  }): Promise<string> {
    const now = Math.floor(this.clock.nowMs() / 1000)
    return new SignJWT({
      tid: p.tenantId ?? TENANT,
      appid: p.appId ?? APP_ID,
      app_displayname: p.appName ?? 'SOC-Automation-App',
      idtyp: p.kind === 'user' ? 'user' : 'app',
      ...(p.kind === 'user'
        ? {
            scp: p.permissions.join(' '),
            upn: p.upn ?? 'analyst@contoso.example',
            rbac: p.rbac ?? [],
            groups: p.groups ?? null,
          }
        : { roles: p.permissions }),
      oid: randomUUID(),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (p.expiresInSeconds ?? 3600))
      .setAudience('https://api.securitycenter.microsoft.com')
      .sign(this.#key)
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw new AuthenticationError('Authorization header is missing.', 'Bearer')
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (!m) throw new AuthenticationError('Not a bearer token.', 'Bearer error="invalid_token"')
    let payload: Record<string, unknown>
    try {
      ;({ payload } = await jwtVerify(m[1]!, this.#key, { currentDate: this.clock.now() }))
    } catch {
      throw new AuthenticationError(
        'The token is invalid or expired.',
        'Bearer error="invalid_token", error_description="The token is invalid or expired."',
      )
    }
    const user = payload.idtyp === 'user'
    return {
      kind: user ? 'user' : 'application',
      tenantId: String(payload.tid),
      appId: String(payload.appid),
      appDisplayName: String(payload.app_displayname),
      resourceAppId: MDE_RESOURCE.appId,
      objectId: String(payload.oid),
      userPrincipalName: user ? String(payload.upn) : null,
      displayName: null,
      permissions: new Set(
        user ? String(payload.scp).split(' ').filter(Boolean) : (payload.roles as string[]),
      ),
      rbacPermissions: new Set(user ? (payload.rbac as RbacPermission[]) : []),
      deviceGroupIds: user && Array.isArray(payload.groups) ? new Set(payload.groups as number[]) : null,
      token: { id: '', version: '1.0', audience: String(payload.aud), expiresAt: Number(payload.exp) * 1000 },
    }
  }

  authorize = decide
  canSeeDeviceGroup = canSeeDeviceGroup
}

export interface Harness {
  app: FastifyInstance
  db: Db
  clock: ManualClock
  api: MdeApi
  auth: TestAuthorizer
  /** An application token with every MDE permission (Ti.ReadWrite.All included). */
  admin: string
  req(
    method: string,
    url: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

export const ALL_APP_PERMISSIONS = [
  'Alert.Read.All',
  'Alert.ReadWrite.All',
  'Machine.Read.All',
  'Machine.ReadWrite.All',
  'Machine.Isolate',
  'Machine.RestrictExecution',
  'Machine.Scan',
  'Machine.CollectForensics',
  'Machine.StopAndQuarantine',
  'Machine.Offboard',
  'Machine.LiveResponse',
  'Library.Manage',
  'Ti.ReadWrite.All',
  'File.Read.All',
  'Ip.Read.All',
  'Url.Read.All',
  'User.Read.All',
  'Software.Read.All',
  'Vulnerability.Read.All',
  'SecurityRecommendation.Read.All',
  'IntegrationConfiguration.ReadWrite',
]

export async function createHarness(
  backend: TestBackend,
  opts: { rateLimits?: RateLimitProfile | null; options?: Partial<ApiOptions>; db?: Db; seed?: boolean } = {},
): Promise<Harness> {
  const db = opts.db ?? (await backend.open())
  if (!opts.db) await migrate(db, catalogueMigrations)
  const clock = new ManualClock(NOW)
  const auth = new TestAuthorizer(clock)
  const app = Fastify({
    genReqId: () => randomUUID(),
    frameworkErrors: mdeFrameworkErrors,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 500 },
  })
  const api = new MdeApi({
    db,
    clock,
    log: silentLogger,
    authorizer: auth,
    rateLimits: opts.rateLimits ?? null,
    options: { actions: { completionDelaySeconds: 10, failureRate: 0, timeoutMinutes: 60 }, ...opts.options },
  })
  await api.register(app)
  await app.ready()
  if (opts.seed !== false && !opts.db) await seedTenant(db)
  const admin = await auth.token({ permissions: ALL_APP_PERMISSIONS })
  return {
    app,
    db,
    clock,
    api,
    auth,
    admin,
    req: (method, url, o = {}) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: {
          host: 'api.securitycenter.microsoft.com',
          ...(o.token === null ? {} : { authorization: `Bearer ${o.token ?? admin}` }),
          ...(o.body !== undefined || o.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        ...(o.rawBody !== undefined
          ? { payload: o.rawBody }
          : o.body !== undefined
            ? { payload: JSON.stringify(o.body) }
            : {}),
      }),
    close: async () => {
      await api.driver.stop()
      await app.close()
      if (!opts.db) await db.close()
    },
  }
}

export const M1 = '0e23b8b23abcdefabcdef6f877b45d19c04a522d'
export const M2 = '72d63195dcd8aaabcdefabcdef123456960cc83d'
export const M3 = '1d29e91fabcdefabcdef5a03284c189cf20aa4c2'
export const M4 = 'c114cb1c0b827fabcdefabcdef2b9cfd469c091b'
export const M_OTHER = 'ffffffffffffffffffffffffffffffffffffffff'
export const A1 = 'da638700112233445566_-1029384756'
export const A2 = 'da638700112233445567_1364969609'
export const A3 = 'da638700112233445568_735564929'
export const FILE_SHA1 = 'aa11bb22cc33dd44ee55ff6677889900aabbccdd'
export const FILE_SHA256 = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0'
export const EVENT = { reportId: 4242, time: '2026-11-29T05:10:11.123Z' }

const d = (s: string) => new Date(s)

/** A small deterministic tenant: 4 machines in 4 device groups, 3 alerts with evidence, users, files, TVM, one hunting event. */
export async function seedTenant(db: Db, tenantId = TENANT): Promise<void> {
  const machines = [
    [
      M1,
      'host1',
      'Windows10',
      '22H2',
      19045,
      'Active',
      105,
      'Workstations',
      '10.1.2.3',
      '[]',
      'Medium',
      'abcd-1',
    ],
    [
      M2,
      'fin-lt-1.corp.contoso-demo.com',
      'Windows11',
      '23H2',
      22631,
      'Active',
      102,
      'Finance',
      '10.20.30.40',
      '["finance","VIP"]',
      'High',
      null,
    ],
    [
      M3,
      'srv-lnx-1',
      'Ubuntu',
      '20.4',
      null,
      'Inactive',
      103,
      'Linux-Servers',
      '192.168.90.40',
      '["C-Lab-Linux"]',
      'None',
      null,
    ],
    [
      M4,
      'dc-1.corp.contoso-demo.com',
      'WindowsServer2019',
      '1809',
      17763,
      'Active',
      101,
      'Tier0-Servers',
      '10.50.11.140',
      '["tier0"]',
      'Low',
      null,
    ],
  ] as const
  for (const [id, name, os, ver, build, health, gid, gname, ip, tags, risk, aad] of machines)
    await db.execute(
      `INSERT INTO machines ("tenantId","id","computerDnsName","firstSeen","lastSeen","osPlatform","osVersion","osProcessor","version","lastIpAddress","lastExternalIpAddress","agentVersion","osBuild","healthStatus","deviceValue","rbacGroupId","rbacGroupName","riskScore","exposureLevel","isAadJoined","aadDeviceId","machineTags","defenderAvStatus","onboardingStatus","osArchitecture","managedBy","managedByStatus","ipAddresses","vmMetadata")
       VALUES ($1,$2,$3,$4,$5,$6,NULL,'x64',$7,$8,'198.51.100.10','10.8760.19045.5608',$9,$10,'Normal',$11,$12,$13,'Low',$14,$15,$16,'Updated','Onboarded','64-bit','Intune','Unknown',$17,NULL)`,
      [
        tenantId,
        id,
        name,
        d('2026-10-01T10:11:12.1314151Z'),
        d('2026-11-29T04:40:01.7Z'),
        os,
        ver,
        ip,
        build,
        health,
        gid,
        gname,
        risk,
        aad !== null,
        aad ? '9d8c7b6a-5f4e-3d2c-1b0a-998877665544' : null,
        tags,
        JSON.stringify([
          { ipAddress: ip, macAddress: '00155D0A0B0C', type: 'Ethernet', operationalStatus: 'Up' },
          { ipAddress: '127.0.0.1', macAddress: null, type: 'SoftwareLoopback', operationalStatus: 'Up' },
        ]),
      ],
    )
  const alerts = [
    [
      A1,
      M1,
      'host1',
      'Workstations',
      'Medium',
      'New',
      'Suspicious access to LSASS memory',
      'CredentialAccess',
      '2026-11-28T08:02:11.9012345Z',
      '{"userName":"jdoe","domainName":"CONTOSO"}',
    ],
    [
      A2,
      M2,
      'fin-lt-1.corp.contoso-demo.com',
      'Finance',
      'High',
      'InProgress',
      'Ransomware behavior detected',
      'Ransomware',
      '2026-11-28T09:00:00Z',
      null,
    ],
    [
      A3,
      M4,
      'dc-1.corp.contoso-demo.com',
      'Tier0-Servers',
      'Low',
      'Resolved',
      'Suspicious PowerShell command line',
      'Execution',
      '2026-11-27T09:00:00Z',
      null,
    ],
  ] as const
  let inc = 5521
  for (const [id, mid, name, group, sev, status, title, cat, created, user] of alerts)
    await db.execute(
      `INSERT INTO alerts ("tenantId","id","incidentId","investigationId","assignedTo","severity","status","classification","determination","investigationState","detectionSource","detectorId","category","threatFamilyName","title","description","alertCreationTime","firstEventTime","lastEventTime","lastUpdateTime","resolvedTime","machineId","computerDnsName","rbacGroupName","aadTenantId","threatName","mitreTechniques","relatedUser","loggedOnUsers","comments","domains")
       VALUES ($1,$2,$3,$4,NULL,$5,$6,NULL,NULL,'Running','WindowsDefenderAtp','7b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',$7,NULL,$8,'Demo alert',$9,$9,$9,$9,$10,$11,$12,$13,$1,NULL,'["T1003.001"]',$14,'[{"accountName":"jdoe","domainName":"CONTOSO"}]',$15,'[]')`,
      [
        tenantId,
        id,
        inc++,
        id === A1 ? 913 : null,
        sev,
        status,
        cat,
        title,
        d(created),
        status === 'Resolved' ? d(created) : null,
        mid,
        name,
        group,
        user,
        JSON.stringify(
          id === A1
            ? [
                {
                  comment: 'Escalated to IR',
                  createdBy: 'analyst7@contoso.example',
                  createdTime: '2026-11-28T08:30:00.0912Z',
                },
              ]
            : [],
        ),
      ],
    )
  const ev = (alertId: string, ordinal: number, type: string, f: Record<string, unknown>) => {
    const cols = ['tenantId', 'alertId', 'ordinal', 'entityType', 'evidenceCreationTime', ...Object.keys(f)]
    const vals = [tenantId, alertId, ordinal, type, d('2026-11-28T08:02:12.03Z'), ...Object.values(f)]
    return db.execute(
      `INSERT INTO alert_evidence (${cols.map((c) => `"${c}"`).join(',')}) VALUES (${vals.map((_, i) => `$${i + 1}`).join(',')})`,
      vals as never[],
    )
  }
  await ev(A1, 0, 'Process', {
    sha1: FILE_SHA1,
    sha256: FILE_SHA256,
    fileName: 'dumper.exe',
    filePath: 'C:\\Users\\jdoe\\AppData\\Local\\Temp',
    processId: 6120,
    processCommandLine: 'dumper.exe -p 712',
    processCreationTime: d('2026-11-28T07:59:39.8Z'),
    parentProcessId: 4480,
    parentProcessFileName: 'powershell.exe',
    detectionStatus: 'Detected',
  })
  await ev(A1, 1, 'User', {
    accountName: 'jdoe',
    domainName: 'CONTOSO',
    userSid: 'S-1-5-21-1004336348-1177238915-682003330-1105',
    userPrincipalName: 'jdoe@contoso.example',
  })
  await ev(A1, 2, 'Ip', { ipAddress: '203.0.113.77' })
  await ev(A1, 3, 'Url', { url: 'https://evil.example/payload' })
  await ev(A2, 0, 'File', {
    sha1: '8563f95b2f8a284fc99da44500cd51a77c1ff36c',
    fileName: 'suspicious.dll',
    filePath: 'c:\\temp',
    detectionStatus: 'Detected',
  })
  await db.execute(
    `INSERT INTO files ("tenantId","sha1","sha256","md5","globalPrevalence","globalFirstObserved","globalLastObserved","size","fileType","isPeFile","filePublisher","fileProductName","signer","issuer","signerHash","isValidCertificate","determinationType","determinationValue")
     VALUES ($1,$2,$3,'00112233445566778899aabbccddeeff',12,$4,$5,245760,NULL,TRUE,NULL,NULL,NULL,NULL,NULL,FALSE,'Malware','HackTool:Win32/Dumper')`,
    [tenantId, FILE_SHA1, FILE_SHA256, d('2026-11-20T01:02:03.4Z'), d('2026-11-28T07:59:40Z')],
  )
  for (const [kind, value, mid, fileName] of [
    ['File', FILE_SHA1, M1, 'dumper.exe'],
    ['File', FILE_SHA1, M2, 'dumper2.exe'],
    ['Ip', '203.0.113.77', M1, null],
    ['Domain', 'evil.example', M1, null],
  ] as const)
    await db.execute(
      `INSERT INTO observations ("tenantId","kind","value","machineId","firstSeen","lastSeen","fileName") VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [tenantId, kind, value, mid, d('2026-11-27T22:41:07Z'), d('2026-11-28T07:12:09Z'), fileName],
    )
  await db.execute(
    `INSERT INTO mde_users ("tenantId","id","accountName","accountDomain","accountSid","firstSeen","lastSeen","mostPrevalentMachineId","leastPrevalentMachineId","logonTypes","logOnMachinesCount","isDomainAdmin","isOnlyNetworkUser")
     VALUES ($1,'contoso\\jdoe','jdoe','contoso','S-1-5-21-1004336348-1177238915-682003330-1105',$2,$3,$4,$4,'Interactive',1,FALSE,FALSE)`,
    [tenantId, d('2026-10-01T08:00:00Z'), d('2026-11-28T07:58:00Z'), M1],
  )
  await db.execute(
    `INSERT INTO machine_logons ("tenantId","machineId","userId","firstSeen","lastSeen","logonTypes") VALUES ($1,$2,'contoso\\jdoe',$3,$4,'Interactive')`,
    [tenantId, M1, d('2026-10-02T08:00:00Z'), d('2026-11-28T07:58:00Z')],
  )
  await db.execute(
    `INSERT INTO investigations ("tenantId","id","startTime","endTime","state","cancelledBy","statusDetails","machineId","computerDnsName","triggeringAlertId") VALUES ($1,'913',$2,NULL,'Running',NULL,NULL,$3,'host1',$4)`,
    [tenantId, d('2026-11-28T08:02:30Z'), M1, A1],
  )
  await db.execute(
    `INSERT INTO library_files ("tenantId","fileName","sha256","description","creationTime","lastUpdatedTime","createdBy","hasParameters","parametersDescription","content") VALUES ($1,'collect-logs.ps1','5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592','Gathers event logs',$2,$2,'ir-lead@contoso.example',TRUE,'-Days <int>','')`,
    [tenantId, d('2026-11-01T12:00:00Z')],
  )
  await db.execute(
    `INSERT INTO software ("tenantId","id","name","vendor","weaknesses","publicExploit","activeAlert","exposedMachines","impactScore") VALUES ($1,'contoso-_-widget_pro','widget_pro','contoso',14,TRUE,FALSE,37,3.61)`,
    [tenantId],
  )
  await db.execute(
    `INSERT INTO machine_software ("tenantId","machineId","softwareId") VALUES ($1,$2,'contoso-_-widget_pro')`,
    [tenantId, M1],
  )
  await db.execute(
    `INSERT INTO vulnerabilities ("tenantId","id","name","description","severity","cvssV3","cvssVector","exposedMachines","publishedOn","updatedOn","publicExploit","exploitVerified","exploitInKit","exploitTypes","exploitUris","cveSupportability","epss")
     VALUES ($1,'CVE-2024-00001','CVE-2024-00001','Heap overflow','High',8.1,NULL,37,$2,$2,TRUE,FALSE,FALSE,'["Local"]','[]','Supported',0.0421)`,
    [tenantId, d('2024-05-14T00:00:00Z')],
  )
  await db.execute(
    `INSERT INTO machine_vulnerabilities ("tenantId","id","cveId","machineId","fixingKbId","productName","productVendor","productVersion","severity") VALUES ($1,$2,'CVE-2024-00001',$3,NULL,'widget_pro','contoso','5.1','High')`,
    [tenantId, `${M1}-_-CVE-2024-00001-_-contoso-_-widget_pro-_-5.1-_-`, M1],
  )
  await db.execute(
    `INSERT INTO recommendations ("tenantId","id","productName","recommendationName","weaknesses","vendor","recommendedVersion","recommendationCategory","subCategory","severityScore","remediationType","status","relatedComponent")
     VALUES ($1,'va-_-contoso-_-widget_pro','widget_pro','Update Widget Pro',14,'contoso','5.2.1','Application','',0,'Update','Active','Widget Pro')`,
    [tenantId],
  )
  await db.execute(
    `INSERT INTO machine_recommendations ("tenantId","machineId","recommendationId") VALUES ($1,$2,'va-_-contoso-_-widget_pro')`,
    [tenantId, M1],
  )
  await db.execute(
    `INSERT INTO "DeviceProcessEvents" ("TenantId","Timestamp","DeviceId","DeviceName","ReportId") VALUES ($1,$2,$3,'host1',$4)`,
    [tenantId, d(EVENT.time), M1, EVENT.reportId],
  )
  // A machine of another tenant (isolation checks).
  await db.execute(
    `INSERT INTO machines ("tenantId","id","computerDnsName","firstSeen","lastSeen","osPlatform","healthStatus","rbacGroupId","onboardingStatus") VALUES ($1,$2,'host1',$3,$3,'Windows10','Active',0,'Onboarded')`,
    [OTHER_TENANT, M_OTHER, d('2026-11-01T00:00:00Z')],
  )
}

export function json(res: LightMyRequestResponse): Record<string, unknown> {
  return JSON.parse(res.body) as Record<string, unknown>
}

/** `../shared/fixtures` beside the repository (works from test/ and from dist/test/). */
export function sharedFixturesDir(): string {
  let dir = import.meta.dirname
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return join(dir, '..', 'shared', 'fixtures')
}
