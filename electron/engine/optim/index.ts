export { adamw } from './adamw'
export type { GraphOptimizer } from './optimizer'
export { sgd } from './sgd'
export { emitFlatUpdate, flatStateShape } from './flat-update'
