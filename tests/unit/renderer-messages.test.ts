import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '../../renderer/src/i18n/messages/en'
import zhCN from '../../renderer/src/i18n/messages/zh-CN'

type Tree = { [k: string]: string | Tree }
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv)
  }
  return out
}
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : /\.(vue|ts)$/.test(name) ? [p] : []
  })
}
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort()

// Node-side: reads the renderer's sources to find every literal message key they use.
describe('renderer messages', () => {
  const enKeys = flatten(en as unknown as Tree)
  const zhKeys = flatten(zhCN as unknown as Tree)

  it('Simplified Chinese has every English key, none empty, with the same placeholders', () => {
    expect([...zhKeys.keys()].sort()).toEqual([...enKeys.keys()].sort())
    for (const [key, text] of zhKeys) {
      expect(text.trim(), key).not.toBe('')
      expect(placeholders(text), key).toEqual(placeholders(enKeys.get(key)!))
    }
  })

  it('every key the renderer asks for with a literal t("…") exists', () => {
    const root = join(import.meta.dirname, '..', '..', 'renderer', 'src')
    const missing: string[] = []
    for (const file of files(root)) {
      const src = readFileSync(file, 'utf8')
      for (const m of src.matchAll(/\b(?:\$t|t|te)\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
        if (!enKeys.has(m[1]!) && ![...enKeys.keys()].some((k) => k.startsWith(`${m[1]}.`))) missing.push(`${file.slice(root.length)}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })
})
