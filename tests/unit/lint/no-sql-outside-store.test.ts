import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

// The "SQL lives in electron/store/ only" rule of eslint.config.js, on snippets linted as if
// they were files of each place: SQL outside the store fails lint, the store and regular
// expressions pass.
const eslint = new ESLint({ cwd: process.cwd() })

async function sqlMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message)
}

const DB = "declare const db: { prepare(s: string): { all(): unknown[] }; exec(s: string): void; pragma(s: string): unknown }\n"

describe('no SQL outside electron/store (lint)', () => {
  it.each([
    ['electron/services/suggestion-service.ts', DB + "void db.prepare('SELECT id FROM images').all()\n"],
    ['electron/services/inspection/webhook.ts', DB + "db.exec('DELETE FROM webhook_outbox')\n"],
    ['electron/services/inspection/hot-folder.ts', DB + "void db.pragma('user_version')\n"],
    ['electron/cli/commands/x.ts', "import Database from 'better-sqlite3'\nvoid new Database(':memory:')\n"],
    ['electron/main/x.ts', "void import('better-sqlite3')\n"],
    ['electron/engine/x.ts', DB + "declare const store: { db: typeof db }\nvoid store.db.prepare('SELECT 1').all()\n"]
  ])('%s: SQL fails lint', async (file, code) => {
    const messages = await sqlMessages(file, code)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(/SQL lives in electron\/store\/ only/)
  })

  it.each([
    ['electron/store/repositories/x.ts', DB + "void db.prepare('SELECT id FROM images').all()\ndb.exec('VACUUM')\n"],
    ['electron/store/history/x.ts', "import Database from 'better-sqlite3'\nvoid new Database(':memory:')\n"],
    ['electron/services/x.ts', 'export const m = /^(\\d+)-[0-9a-f]+$/.exec(String(Date.now()))\n'],
    ['electron/services/x.ts', "declare const store: { images: { ids(s: string): number[] } }\nexport const ids = store.images.ids('all')\n"]
  ])('%s: no SQL here, passes', async (file, code) => {
    expect(await sqlMessages(file, code)).toEqual([])
  })
})
