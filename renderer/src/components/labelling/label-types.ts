/** What the labelling components need to know about an image (built by the labelling store). */
export interface LabelGridItem {
  id: number
  /** The label, or null when unlabelled. */
  classId: number | null
  split: 'train' | 'val' | null
  originalName: string
  /** The active model's opinion, when there is an active model. */
  suggestion?: { classId: number; confidence: number } | null
}

export interface LabelClass {
  id: number
  name: string
  colour: string
  isGood: boolean
  /** Labelled images in this class (for delete/merge confirmations). */
  count: number
}
