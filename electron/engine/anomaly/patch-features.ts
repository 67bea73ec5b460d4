import { createRng } from '../train/rng'

/**
 * PatchCore's "locally aware patch features" (Roth et al., CVPR 2022, section 3.1), as
 * anomalib implements them for ResNet backbones: every layer2 / layer3 feature is averaged
 * over its 3×3 neighbourhood (AvgPool2d(3, stride 1, pad 1), padding counted as zeros like
 * torch's default count_include_pad=True), layer3 is resized bilinearly to layer2's grid
 * (align_corners=False, i.e. ONNX Resize half_pixel), and the two are concatenated per
 * grid cell. One row of the result = one patch of the image.
 *
 * The same computation exists as ONNX nodes in anomaly-graph.ts; these JS versions are
 * the reference the graph is tested against and the path used when fitting.
 */

/** One feature map batch: data [N, C, H, W] float32, row-major. */
export interface FeatureMaps {
  data: Float32Array
  n: number
  channels: number
  height: number
  width: number
}

/** Patch embeddings: data [N, H, W, D] float32 (one row of D per patch). */
export interface PatchEmbeddings {
  data: Float32Array
  n: number
  height: number
  width: number
  dim: number
}

/** 3×3 mean with stride 1 and zero padding 1 that counts the padding (torch's AvgPool2d default). */
export function averagePool3x3(x: FeatureMaps): FeatureMaps {
  const { n, channels: c, height: h, width: w } = x
  const out = new Float32Array(x.data.length) // [N, C, H, W]
  const src = x.data
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0
        for (let di = -1; di <= 1; di++) {
          const ii = i + di
          if (ii < 0 || ii >= h) continue
          const row = base + ii * w
          for (let dj = -1; dj <= 1; dj++) {
            const jj = j + dj
            if (jj >= 0 && jj < w) s += src[row + jj]!
          }
        }
        out[base + i * w + j] = s / 9
      }
    }
  }
  return { ...x, data: out }
}

/**
 * Bilinear resize of each [H, W] plane of a [P, H, W] stack to [outH, outW], with
 * half-pixel centres (torch F.interpolate(mode='bilinear', align_corners=False), ONNX
 * Resize coordinate_transformation_mode='half_pixel'): source coordinates are clamped at
 * the border.
 */
export function resizeBilinear(planes: Float32Array, count: number, h: number, w: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(count * outH * outW) // [P, outH, outW]
  const ys = axisWeights(h, outH)
  const xs = axisWeights(w, outW)
  for (let p = 0; p < count; p++) {
    const src = p * h * w
    const dst = p * outH * outW
    for (let i = 0; i < outH; i++) {
      const r0 = src + ys.lo[i]! * w
      const r1 = src + ys.hi[i]! * w
      const fy = ys.frac[i]!
      for (let j = 0; j < outW; j++) {
        const x0 = xs.lo[j]!
        const x1 = xs.hi[j]!
        const fx = xs.frac[j]!
        const top = planes[r0 + x0]! * (1 - fx) + planes[r0 + x1]! * fx
        const bottom = planes[r1 + x0]! * (1 - fx) + planes[r1 + x1]! * fx
        out[dst + i * outW + j] = top * (1 - fy) + bottom * fy
      }
    }
  }
  return out
}

function axisWeights(inSize: number, outSize: number): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const lo = new Int32Array(outSize)
  const hi = new Int32Array(outSize)
  const frac = new Float32Array(outSize)
  const scale = inSize / outSize
  for (let i = 0; i < outSize; i++) {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1)
    const l = Math.floor(s)
    lo[i] = l
    hi[i] = Math.min(l + 1, inSize - 1)
    frac[i] = s - l
  }
  return { lo, hi, frac }
}

/**
 * layer2 [N, C2, H, W] + layer3 [N, C3, H/2, W/2] -> patch embeddings [N, H, W, C2 + C3].
 * The layer3 grid is resized to layer2's (PatchCore aggregates at the finer grid).
 */
export function patchEmbeddings(layer2: FeatureMaps, layer3: FeatureMaps): PatchEmbeddings {
  if (layer2.n !== layer3.n) throw new Error(`layer2 has ${layer2.n} images but layer3 has ${layer3.n}; pass the outputs of one run.`)
  const p2 = averagePool3x3(layer2)
  const p3 = averagePool3x3(layer3)
  const { n, height: h, width: w } = layer2
  const c2 = layer2.channels
  const c3 = layer3.channels
  const up3 = resizeBilinear(p3.data, n * c3, layer3.height, layer3.width, h, w) // [N, C3, H, W]
  const dim = c2 + c3
  const out = new Float32Array(n * h * w * dim) // [N, H, W, C2 + C3]
  const hw = h * w
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < c2; c++) {
      const src = (b * c2 + c) * hw
      for (let k = 0; k < hw; k++) out[(b * hw + k) * dim + c] = p2.data[src + k]!
    }
    for (let c = 0; c < c3; c++) {
      const src = (b * c3 + c) * hw
      for (let k = 0; k < hw; k++) out[(b * hw + k) * dim + c2 + c] = up3[src + k]!
    }
  }
  return { data: out, n, height: h, width: w, dim }
}

/**
 * A dense Gaussian random projection matrix [inDim, outDim] scaled by 1/sqrt(outDim), so
 * squared distances are preserved in expectation (Johnson–Lindenstrauss). Seeded, so the
 * same seed gives the same matrix on every machine.
 */
export function randomProjection(inDim: number, outDim: number, seed: number): Float32Array {
  const rng = createRng(seed)
  const m = new Float32Array(inDim * outDim) // [inDim, outDim]
  const scale = 1 / Math.sqrt(outDim)
  for (let i = 0; i < m.length; i += 2) {
    // Box–Muller: two independent normals per pair of uniforms.
    const u1 = Math.max(rng.next(), 1e-12)
    const u2 = rng.next()
    const r = Math.sqrt(-2 * Math.log(u1))
    m[i] = r * Math.cos(2 * Math.PI * u2) * scale
    if (i + 1 < m.length) m[i + 1] = r * Math.sin(2 * Math.PI * u2) * scale
  }
  return m
}

/** rows [count, inDim] × matrix [inDim, outDim] -> [count, outDim]. */
export function project(rows: Float32Array, count: number, inDim: number, matrix: Float32Array, outDim: number): Float32Array {
  const out = new Float32Array(count * outDim) // [count, outDim]
  for (let r = 0; r < count; r++) {
    const o = r * outDim
    const base = r * inDim
    for (let k = 0; k < inDim; k++) {
      const v = rows[base + k]!
      if (v === 0) continue
      const mrow = k * outDim
      for (let j = 0; j < outDim; j++) out[o + j] += v * matrix[mrow + j]!
    }
  }
  return out
}
