/** Shared prop shapes of the Base* components. */
export interface SelectOption<V> {
  value: V
  label: string
  disabled?: boolean
}

export interface TableColumn {
  key: string
  label: string
  align?: 'left' | 'right' | 'center'
  /** Numbers line up: tabular figures, right aligned. */
  numeric?: boolean
}

export interface TabItem {
  id: string
  label: string
  testid?: string
}
