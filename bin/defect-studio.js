#!/usr/bin/env node
// Runs the built CLI (out/main/cli.js) when present, else the TypeScript sources through
// tsx, so `npm run cli` works before and after `npm run build`.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const built = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
const source = fileURLToPath(new URL('../electron/cli/index.ts', import.meta.url))
let entry
if (existsSync(built) && process.env.DEFECT_STUDIO_FROM_SOURCE !== '1') {
  entry = await import(pathToFileURL(built).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  entry = await import(pathToFileURL(source).href)
}
await entry.main()
