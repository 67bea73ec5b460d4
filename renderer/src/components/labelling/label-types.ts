import type { ImageItem } from '../../../../shared/contract/images'
import type { ClassInfo } from '../../../../shared/contract/projects'

/**
 * What the labelling components need to know about an image (built by the labelling
 * store): the contract's image item, narrowed to the fields the grid shows. `suggestion`
 * is the active model's opinion, when there is an active model.
 */
export type LabelGridItem = Pick<ImageItem, 'id' | 'classId' | 'split' | 'originalName' | 'suggestion'> & Partial<Pick<ImageItem, 'sha256'>>

/** A class as the labelling components show it: the contract's class info, narrowed (train/val for dataset health). */
export type LabelClass = Pick<ClassInfo, 'id' | 'name' | 'colour' | 'isGood' | 'count' | 'train' | 'val'>
