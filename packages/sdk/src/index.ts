export {
  MdeClient,
  type MdeClientOptions,
  type ODataQuery,
  type Page,
  type IsolationType,
  type ScanType,
} from './client.js'
export { clientSecretCredential, type ClientSecretOptions, type TokenProvider } from './credentials.js'
export { MdeApiError, TokenError } from './errors.js'
export type * from './types.js'
