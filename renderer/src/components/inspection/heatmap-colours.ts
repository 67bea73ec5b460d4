/**
 * Heatmap colours that leave the part visible: fully transparent where the value is below
 * HEATMAP_FLOOR, then yellow turning red and more opaque up to 1. Values (scaled to 0..1) mean: for an
 * anomaly model 1 means "at the reject threshold" (engine/infer/inspector.ts scales the
 * map by the threshold), for a classifier the activation map's maximum.
 */
export const HEATMAP_FLOOR = 0.5

/** values: [h * w] in 0..max (the heatmap's bytes: max 255) → RGBA bytes [h * w * 4] for an ImageData. */
export function heatmapRgba(values: ArrayLike<number>, max: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4)
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(1, Math.max(0, (values[i] ?? 0) / max))
    if (v <= HEATMAP_FLOOR) continue
    const s = (v - HEATMAP_FLOOR) / (1 - HEATMAP_FLOOR)
    out[i * 4] = 255
    out[i * 4 + 1] = Math.round(220 * (1 - s))
    out[i * 4 + 2] = 0
    out[i * 4 + 3] = Math.round(70 + 130 * s)
  }
  return out
}
