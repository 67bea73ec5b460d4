import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Comments cite files of this repository only: a reader of the code has the repository and
 * nothing else. A decisions document kept outside it, engine notes kept outside it, or the
 * names of the work packages the code was written in mean nothing to them. Decisions the
 * code relies on live in docs/decisions.md, and a citation of one of its sections
 * ("docs/decisions.md, Models") must name a section that exists.
 */

const ROOT = join(__dirname, '..', '..', '..')
const DIRS = ['electron', 'shared', 'renderer', 'scripts', 'tests', 'bench']
const TEXT = /\.(ts|vue|js|mjs|cjs|py|md|sh)$/
const SKIP = new Set(['node_modules', '__pycache__', 'fixtures', 'out', 'dist'])

function files(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...files(path))
    else if (TEXT.test(name)) out.push(path)
  }
  return out
}

// Built from parts so that this file does not match itself.
const OUTSIDE = new RegExp(['DECI' + 'SIONS', 'ENGINE' + '-NOTES', 'STY' + 'LE\\.md', "\\b" + "H[0-9]+'s\\b", '\\b' + 'H[0-9]\\b', '\\bwa' + 've [0-9]\\b'].join('|'))

const all = DIRS.flatMap((d) => files(join(ROOT, d)))

describe('comments cite only this repository', () => {
  it('no file names a document outside the repository or a work package', () => {
    const hits: string[] = []
    for (const f of all) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (OUTSIDE.test(line)) hits.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`)
        })
    }
    expect(hits).toEqual([])
  })

  it('every citation of a docs/decisions.md section names one that exists', () => {
    const sections = readFileSync(join(ROOT, 'docs', 'decisions.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3).trim())
    const broken: string[] = []
    for (const f of all) {
      // A citation may wrap onto the next comment line: join lines, drop comment markers.
      const text = readFileSync(f, 'utf8').replace(/\n\s*(\*|\/\/|#)\s*/g, ' ')
      for (const m of text.matchAll(/docs\/decisions\.md[,:(]\s*\(?([A-Z][^);."]*)/g)) {
        const cited = m[1]!.trim()
        // "Images" cites "Images: how a frame becomes a tensor".
        if (!sections.some((s) => cited.startsWith(s) || (cited.length >= 5 && s.startsWith(cited)))) broken.push(`${relative(ROOT, f)}: "${cited}"`)
      }
    }
    expect(broken).toEqual([])
  })
})
