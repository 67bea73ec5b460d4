import { computed } from 'vue'
import { useTheme } from './theme'

/**
 * ECharts colours from the design tokens (styles/tokens.css), recomputed when the theme
 * changes, so every chart matches the screen around it in light and dark.
 */
export interface ChartTheme {
  text: string
  muted: string
  grid: string
  axis: string
  surface: string
  series: string[]
  /** Common option parts: text style, tooltip, legend. */
  base: Record<string, unknown>
  /** An axis that uses the theme's colours (merge into xAxis/yAxis). */
  axisStyle: Record<string, unknown>
}

function cssVar(style: CSSStyleDeclaration | null, name: string, fallback: string): string {
  const v = style?.getPropertyValue(name).trim()
  return v || fallback
}

export function useChartTheme() {
  const { theme } = useTheme()
  return computed<ChartTheme>(() => {
    const dark = theme.value === 'dark'
    const style = typeof document !== 'undefined' && typeof getComputedStyle === 'function' ? getComputedStyle(document.documentElement) : null
    const text = cssVar(style, '--fg', dark ? '#e8ebf1' : '#141821')
    const muted = cssVar(style, '--fg-muted', dark ? '#a7afbd' : '#4a5261')
    const grid = cssVar(style, '--chart-grid', dark ? '#262c38' : '#e3e6eb')
    const axis = cssVar(style, '--chart-axis', muted)
    const surface = cssVar(style, '--surface', dark ? '#161a23' : '#ffffff')
    const series = [1, 2, 3, 4, 5].map((i, k) => cssVar(style, `--chart-${i}`, ['#1f5fd1', '#c01c12', '#067647', '#a14a00', '#6b3fc4'][k]!))
    return {
      text,
      muted,
      grid,
      axis,
      surface,
      series,
      base: {
        backgroundColor: 'transparent',
        color: series,
        textStyle: { color: text, fontFamily: 'inherit', fontSize: 12 },
        legend: { textStyle: { color: text } },
        tooltip: { backgroundColor: surface, borderColor: grid, textStyle: { color: text } }
      },
      axisStyle: {
        axisLine: { lineStyle: { color: axis } },
        axisLabel: { color: muted },
        nameTextStyle: { color: muted },
        splitLine: { lineStyle: { color: grid } }
      }
    }
  })
}
