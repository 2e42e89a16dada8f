import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sharedPath } from './shared.js'

/** One request of a recorded client session (../shared/fixtures/recorded-client-requests/*.json). */
export interface RecordedRequest {
  method: string
  path: string
  rawQuery: string
  headers: Record<string, string>
  body?: string
}

/** Where the recorded client sessions are. */
export const recordedDir: string = sharedPath('fixtures', 'recorded-client-requests')

/** The requests of one recorded session, in the order the client sent them. */
export function loadRecorded(file: string): RecordedRequest[] {
  return JSON.parse(readFileSync(join(recordedDir, file), 'utf8')) as RecordedRequest[]
}
