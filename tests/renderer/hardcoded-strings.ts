import { parse } from '@vue/compiler-sfc'

/**
 * Finds user-visible English written straight into a .vue template instead of going through
 * vue-i18n: text nodes, static attributes a person reads (title, placeholder, aria-label,
 * label…) and quoted English inside template expressions (`busy ? 'Saving…' : 'Save'`).
 */
export interface HardCodedString {
  file: string
  line: number
  text: string
}

/** Attributes whose value is read by a person or a screen reader. */
const READ_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'empty', 'caption', 'hint', 'confirm-label', 'message', 'aria-description', 'aria-roledescription'])

/** Words that are the same in every language here (units, product names, key names). */
export const ALLOWED = new Set(['Defect Studio', 'ONNX', 'PNG', 'JPEG', 'CSV', 'JSON', 'MQTT', 'Modbus', 'HTTP', 'ms', 'px', 'Ctrl', 'Shift', 'Enter', 'Esc', 'Space', 'Tab', 'Alt', 'PASS', 'FAIL', 'ID', 'URL', 'Z', 'SHA-256', 'PLC', 'AdamW', 'SGD', 'AUROC', 'ROC'])

/** Two letters in a row: a word (a lone "x", "·" or digits are not language). */
const WORD = /[A-Za-z]{2,}/

function isAllowed(text: string): boolean {
  const t = text.replace(/\s+/g, ' ').trim()
  if (!WORD.test(t)) return true
  if (ALLOWED.has(t)) return true
  // Every word is allowed (e.g. "Ctrl Shift").
  const words = t.match(/[A-Za-z][A-Za-z0-9.+-]*/g) ?? []
  return words.every((w) => ALLOWED.has(w))
}

/** 'label.title', '/home/me/parts.dsproj', 'cell-name': names for code, not words for people. */
function looksLikeKeyOrPath(s: string): boolean {
  return /^[\w.:/@-]+$/.test(s) && /[./:@-]/.test(s) && !/^[A-Z][a-z]+$/.test(s)
}

/**
 * Quoted strings inside an expression that read as English prose: a capital followed by
 * lower case, or two words. Message keys ('label.title'), format names ('percent'), CSS
 * classes and test ids are single lower-case tokens and pass.
 */
function englishLiterals(expr: string): string[] {
  const found: string[] = []
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g
  for (const m of expr.matchAll(re)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? '').replace(/\$\{[^}]*\}/g, 'x')
    const s = raw.trim()
    // CSS values (`translate(…) scale(…)`) are not language either.
    if (!WORD.test(s) || looksLikeKeyOrPath(s) || /^[a-z-]+\(/.test(s)) continue
    const prose = /^[A-Z][a-z]+/.test(s) || /[A-Za-z]{2,}[\s,.:;!?…]+[A-Za-z]{2,}/.test(s)
    if (prose && !isAllowed(s)) found.push(s)
  }
  return found
}

interface AstNode {
  type: number
  content?: unknown
  children?: AstNode[]
  props?: Array<{ type: number; name: string; value?: { content: string }; exp?: { content: string }; arg?: { content: string }; loc: { start: { line: number } } }>
  tag?: string
  loc: { start: { line: number } }
}

export function scanTemplate(file: string, source: string): HardCodedString[] {
  const { descriptor } = parse(source, { filename: file })
  const ast = descriptor.template?.ast as AstNode | undefined
  if (!ast) return []
  const out: HardCodedString[] = []
  const report = (text: string, line: number) => out.push({ file, line, text: text.replace(/\s+/g, ' ').trim() })
  const walk = (node: AstNode, inCode: boolean): void => {
    // 2 text, 5 {{ interpolation }}, 1 element (6 attribute, 7 directive)
    if (node.type === 2 && !inCode && typeof node.content === 'string' && !isAllowed(node.content)) report(node.content, node.loc.start.line)
    if (node.type === 5) {
      const c = node.content as { content?: string } | undefined
      for (const s of englishLiterals(c?.content ?? '')) report(s, node.loc.start.line)
    }
    if (node.type === 1) {
      for (const p of node.props ?? []) {
        if (p.type === 6 && READ_ATTRIBUTES.has(p.name) && p.value && !looksLikeKeyOrPath(p.value.content) && !isAllowed(p.value.content)) report(p.value.content, p.loc.start.line)
        if (p.type === 7 && p.exp && p.name !== 'for') for (const s of englishLiterals(p.exp.content)) report(s, p.loc.start.line)
      }
    }
    // <code>, <kbd> and <pre> show paths, keys and commands as they are typed.
    const code = inCode || node.tag === 'code' || node.tag === 'kbd' || node.tag === 'pre'
    for (const child of node.children ?? []) walk(child, code)
  }
  walk(ast, false)
  return out
}
