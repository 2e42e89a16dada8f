import type { DeviceGroupRules } from '../../schema/device-groups.js'
import type { RbacPermission } from '../../schema/permissions.js'

export interface Tenant {
  id: string
  displayName: string
  defaultDomain: string
  domains: string[]
  isSystem: boolean
  createdAt: number
}

/** Permissions an application declares it needs, per resource app id (Entra's requiredResourceAccess). */
export interface RequiredPermissions {
  [resourceAppId: string]: { application: string[]; delegated: string[] }
}

export interface Application {
  appId: string
  tenantId: string
  objectId: string
  /** Object id of the app's service principal; the `oid`/`sub` of its app-only tokens. */
  servicePrincipalId: string
  displayName: string
  publicClient: boolean
  enabled: boolean
  /** ROPC is off by default (RFC 9700 §2.4); enabled per application. */
  allowPasswordGrant: boolean
  redirectUris: string[]
  requiredPermissions: RequiredPermissions
  createdAt: number
}

export interface SecretCredential {
  id: string
  kind: 'secret'
  appId: string
  displayName: string
  hint: string
  salt: string
  secretHash: string
  expiresAt: number
  createdAt: number
}

export interface CertificateCredential {
  id: string
  kind: 'certificate'
  appId: string
  displayName: string
  thumbprintSha1: string
  thumbprintSha256: string
  certificatePem: string
  expiresAt: number
  createdAt: number
}

export type AppCredential = SecretCredential | CertificateCredential

export interface User {
  id: string
  tenantId: string
  userPrincipalName: string
  displayName: string
  givenName: string | null
  surname: string | null
  passwordHash: string
  enabled: boolean
  createdAt: number
}

export interface RbacRole {
  tenantId: string
  id: number
  name: string
  description: string
  permissions: RbacPermission[]
  /** The built-in administrator role ignores device groups. */
  allDeviceGroups: boolean
  deviceGroupIds: number[]
}

export interface DeviceGroup {
  tenantId: string
  id: number
  name: string
  description: string
  rank: number
  rules: DeviceGroupRules
  remediationLevel: string
}

export interface DelegatedGrant {
  clientAppId: string
  resourceAppId: string
  /** `''` = admin consent for all users of the tenant. */
  principalId: string
  scope: string
}

/** What a user may do in MDE: effective RBAC permissions and visible device groups (null = all). */
export interface UserAccess {
  rbacPermissions: RbacPermission[]
  deviceGroupIds: number[] | null
  roles: string[]
}
