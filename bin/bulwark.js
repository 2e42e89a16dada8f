#!/usr/bin/env node
// Entry point of the `bulwark` command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { main } from '../dist/src/cli/main.js'

process.exitCode = await main(process.argv.slice(2))
