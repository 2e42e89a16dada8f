#!/usr/bin/env node
// Enforces the module dependency directions recorded in docs/architecture.md.
// A file in src/<module>/ may import only from the modules listed for it below.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname, sep } from 'node:path'

const allowed = {
  core: [],
  schema: ['core'],
  sql: ['core', 'schema'],
  odata: ['core', 'schema', 'sql'],
  hunting: ['core', 'schema', 'sql'],
  store: ['core', 'schema', 'sql'],
  demo: ['core', 'schema', 'sql', 'store'],
  identity: ['core', 'schema', 'sql', 'store'],
  api: ['core', 'schema', 'sql', 'odata', 'hunting', 'store', 'identity'],
  console: ['core'],
  server: ['core', 'schema', 'sql', 'odata', 'hunting', 'store', 'demo', 'identity', 'api', 'console'],
  cli: ['core', 'schema', 'server'],
}

const root = resolve(new URL('..', import.meta.url).pathname)
const src = join(root, 'src')
const problems = []

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (name.endsWith('.ts')) out.push(p)
  }
  return out
}

for (const file of walk(src, [])) {
  const mod = relative(src, file).split(sep)[0]
  if (!(mod in allowed)) {
    problems.push(`${relative(root, file)}: module "${mod}" is not declared in tools/check-imports.mjs`)
    continue
  }
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(
    /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    const spec = m[1] ?? m[2]
    if (!spec || !spec.startsWith('.')) continue
    const target = resolve(dirname(file), spec)
    if (!target.startsWith(src + sep)) continue
    const targetMod = relative(src, target).split(sep)[0]
    if (targetMod === mod) continue
    if (!allowed[mod].includes(targetMod))
      problems.push(`${relative(root, file)}: ${mod} may not import ${targetMod} (${spec})`)
  }
}

if (problems.length) {
  console.error('Import rule violations:\n' + problems.map((p) => '  ' + p).join('\n'))
  process.exit(1)
}
console.log('check-imports: ok')
