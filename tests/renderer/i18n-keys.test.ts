import { describe, expect, it } from 'vitest'
import en from '../../renderer/src/i18n/messages/en'
import zhCN from '../../renderer/src/i18n/messages/zh-CN'

/** Every leaf as "a.b.c" → text. */
function leaves(obj: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') for (const [kk, vv] of leaves(v as object, key)) out.set(kk, vv)
    else out.set(key, String(v))
  }
  return out
}
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('message catalogues', () => {
  const enLeaves = leaves(en)
  const zhLeaves = leaves(zhCN)

  it('en and zh-CN have exactly the same keys', () => {
    expect([...zhLeaves.keys()].sort()).toEqual([...enLeaves.keys()].sort())
  })

  it('each translation is filled in and uses the same placeholders as the English one', () => {
    const problems: string[] = []
    for (const [key, text] of enLeaves) {
      const zh = zhLeaves.get(key) ?? ''
      if (!zh.trim()) problems.push(`${key}: empty`)
      if (placeholders(zh).join() !== placeholders(text).join()) problems.push(`${key}: {${placeholders(text)}} vs {${placeholders(zh)}}`)
    }
    expect(problems).toEqual([])
  })

  it('the Chinese catalogue is Chinese: no entry is left as the English text', () => {
    // Entries that are the same in both languages on purpose: key names on the keyboard
    // ("….keys": Ctrl+Z, Esc) and the server's own detail.
    const same = (key: string) => key.endsWith('.keys') || key === 'errors.code.failed'
    const untranslated = [...enLeaves].filter(([key, text]) => !same(key) && /[A-Za-z]{3,}/.test(text) && zhLeaves.get(key) === text).map(([k]) => k)
    expect(untranslated).toEqual([])
  })
})
