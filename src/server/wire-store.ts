import { catalogueMigrations } from '../store/catalogue-migrations.js'
import type { ServerModule } from './app.js'

/** The store module as the server sees it: the catalogue's tables (hunting + entities) as migrations. */
export const storeModule: ServerModule = {
  name: 'store',
  migrations: catalogueMigrations,
}
