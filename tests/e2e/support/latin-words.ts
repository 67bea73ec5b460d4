import type { Page } from 'playwright-core'

/**
 * What a Chinese-speaking user still reads in Latin letters on a screen: every visible text
 * node and the texts assistive technology or a hover shows (title, aria-label, placeholder,
 * alt), minus the words that are the same in every language (names the user gave, units,
 * product and method names, file names). Used by tests/e2e/screens.test.ts in zh-CN.
 */
// page.evaluate callbacks run in the browser; Node's types have no DOM, so name what they use.
interface DomNode { nodeType: number; textContent: string | null; parentElement: DomEl | null }
interface DomEl { tagName: string; getAttribute(n: string): string | null; checkVisibility(opts?: { visibilityProperty?: boolean }): boolean; closest(s: string): DomEl | null }
declare const document: {
  body: DomEl
  createTreeWalker(root: DomEl, what: number): { nextNode(): DomNode | null }
  querySelectorAll(s: string): Iterable<DomEl> & { length: number }
}

/** Words allowed in Chinese mode (case-insensitive): product, method and format names, units, keys. */
const ALLOWED = new Set(
  [
    // product, library and format names
    'Defect', 'Studio', 'CUDA', 'CPU', 'GPU', 'NVIDIA', 'DirectML', 'CoreML', 'WebGPU', 'ONNX', 'onnxruntime-node', 'INT8', 'FP32', 'MQTT', 'Modbus', 'TCP', 'PLC', 'JSON', 'CSV',
    'HTTP', 'HTTPS', 'POST', 'GET', 'p50', 'p95', 'URL', 'IP', 'ID', 'SHA-256', 'JPEG', 'PNG', 'WebP', 'TIFF', 'BMP', 'README', 'Electron', 'Linux', 'Windows', 'macOS', 'x64', 'ImageNet', 'torchvision', 'PyTorch',
    'VNNI', 'AVX2', 'AVX-512', 'ResNet18', 'AdamW', 'SGD', 'StepLR', 'RandomResizedCrop', 'PatchCore', 'ImageFolder', 'train', 'val', 'unlabelled', 'AUROC', 'ROC', 'AUC', 'QoS', 'TLS', 'USB', 'UVC', 'Top-1',
    // units and keys
    'px', 'ms', 'MB', 'GB', 'KB', 'Hz', 'fps', 'img', 's', 'Ctrl', 'Shift', 'Alt', 'Esc', 'Enter', 'Tab', 'Space', 'Del', 'Delete', 'Backspace', 'PgUp', 'PgDn', 'Home', 'End', 'F1', 'F2', 'F10'
  ].map((w) => w.toLowerCase())
)

export interface LatinWord {
  word: string
  /** The text it stood in (shortened), to find it on the screen. */
  context: string
}

/** Visible texts and accessible names of the page as it is now. */
export async function screenTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    const visible = (el: DomEl | null): boolean => {
      // checkVisibility: also false inside a closed <details>.
      return el !== null && el.checkVisibility({ visibilityProperty: true })
    }
    const walker = document.createTreeWalker(document.body, 4 /* NodeFilter.SHOW_TEXT */)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement
      const text = node.textContent?.trim()
      // <code> and <kbd> hold names and keys as they are typed (paths, file names, key names).
      if (!text || !parent || ['SCRIPT', 'STYLE', 'CODE', 'KBD'].includes(parent.tagName) || parent.closest('code, kbd, [translate="no"]')) continue
      if (visible(parent)) out.push(text)
    }
    for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], img[alt]')) {
      if (!visible(el) || el.closest('[translate="no"]')) continue
      for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
        const v = el.getAttribute(name)?.trim()
        if (v) out.push(v)
      }
    }
    return out
  })
}

/**
 * Latin-letter words in `texts` that are not on the allow-list nor in `names` (the project's
 * class names, its file name, the user's name…). A path, a file name (x.png, a.dsproj) and a
 * version (v2) pass: they are names, not sentences.
 */
export function unexpectedLatinWords(texts: string[], names: string[]): LatinWord[] {
  const allowed = new Set([...ALLOWED, ...names.map((n) => n.toLowerCase())])
  const found: LatinWord[] = []
  for (const text of texts) {
    // Paths and file names out first (they may hold any word).
    const stripped = text
      .replace(/(?:[A-Za-z]:)?[\w.-]*\/[\w./@-]*/g, ' ')
      .replace(/[\w-]*\.(?:png|jpe?g|bmp|tiff?|webp|dsproj|dsmodel|safetensors|onnx|json|csv|y4m)\b/gi, ' ')
    for (const m of stripped.matchAll(/[A-Za-z][A-Za-z0-9@._+-]*/g)) {
      const word = m[0].replace(/[._+-]+$/, '')
      // One letter is a symbol (x in "2×", an axis name), not a word.
      if ((word.match(/[A-Za-z]/g) ?? []).length < 2) continue
      if (/^v\d+$/i.test(word) || /^P-\d+$/.test(word) || /^\d*[A-Za-z]{1,2}\d+$/.test(word)) continue
      if (allowed.has(word.toLowerCase())) continue
      found.push({ word, context: text.length > 80 ? `${text.slice(0, 77)}…` : text })
    }
  }
  return found
}
