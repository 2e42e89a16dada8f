import type { ServerModule } from './app.js'
import { apiModule } from './wire-api.js'
import { demoModule } from './wire-demo.js'
import { huntingModule } from './wire-hunting.js'
import { identityModule } from './wire-identity.js'
import { storeModule } from './wire-store.js'

/**
 * The product's modules in start order. Each module exports a ServerModule from its own folder; this
 * list is the only place that knows them all (the composition root).
 */
export const productModules: readonly ServerModule[] = [
  storeModule,
  identityModule,
  apiModule,
  huntingModule,
  demoModule,
]
