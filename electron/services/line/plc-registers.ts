/**
 * The PLC handshake's register map: Modbus holding registers (function 3 to read, 16 to
 * write), each an unsigned 16-bit word, at `baseAddress + offset`. The PLC writes the first
 * block, the app the second; each side writes its block with one function-16 request, so the
 * other side never sees a half-written result. Documented in README "Connecting to the line".
 */
export const REG = {
  // ---- written by the PLC ------------------------------------------------------------
  /** 1 = inspect a part now. Set only while READY = 1 and ACK = 0; cleared together with ACK = 1. */
  TRIGGER: 0,
  /** Part number, high word (32-bit unsigned with PART_ID_LO; 0 = the app numbers the part). */
  PART_ID_HI: 1,
  PART_ID_LO: 2,
  /** 1 = the PLC has latched RESULT (written with TRIGGER = 0); back to 0 once RESULT reads 0. */
  ACK: 3,
  // ---- written by the app ------------------------------------------------------------
  /** 1 = idle, a trigger will be taken. */
  READY: 10,
  /** 1 = inspecting the triggered part. */
  BUSY: 11,
  /** 0 = none, 1 = OK, 2 = NG, 3 = ERROR (a reject, like NG). */
  RESULT: 12,
  /** The part RESULT belongs to (echo of PART_ID_HI/LO): a PLC latches only its own part's result. */
  RESULT_PART_HI: 13,
  RESULT_PART_LO: 14,
  /** Why RESULT is ERROR (ERROR_CODE below); 0 otherwise. */
  ERROR_CODE: 15,
  /** +1 every heartbeat period (wraps at 65535): the PLC sees the app is alive. */
  HEARTBEAT: 16
} as const

/** Registers the PLC writes: TRIGGER..ACK. */
export const PLC_BLOCK = { start: REG.TRIGGER, length: REG.ACK - REG.TRIGGER + 1 }
/** Registers the app writes in one request: READY..ERROR_CODE (HEARTBEAT on its own). */
export const APP_BLOCK = { start: REG.READY, length: REG.ERROR_CODE - REG.READY + 1 }
/** Registers a bank must hold: 0..HEARTBEAT. */
export const REGISTER_COUNT = REG.HEARTBEAT + 1

export const RESULT_CODE = { NONE: 0, OK: 1, NG: 2, ERROR: 3 } as const
export type PlcResult = 'OK' | 'NG' | 'ERROR'

/** ERROR_CODE values: why a part got ERROR. */
export const ERROR_CODE = {
  NONE: 0,
  ENGINE_ERROR: 1,
  DEADLINE: 2,
  CAMERA_LOST: 3,
  NO_MODEL: 4,
  BAD_IMAGE: 5,
  NO_ACK: 6,
  RESULT_TIMEOUT: 7,
  CONNECTION_LOST: 8,
  NOT_RUNNING: 9,
  NO_GOOD_CLASS: 10,
  OTHER: 99
} as const
export type PlcErrorName = Exclude<keyof typeof ERROR_CODE, 'NONE'>

export function resultName(code: number): PlcResult | null {
  return code === RESULT_CODE.OK ? 'OK' : code === RESULT_CODE.NG ? 'NG' : code === RESULT_CODE.ERROR ? 'ERROR' : null
}

/** 32-bit part number from its two words (high first). */
export function joinWords(hi: number, lo: number): number {
  return (hi & 0xffff) * 0x10000 + (lo & 0xffff)
}

export function splitWords(n: number): [number, number] {
  const v = Math.max(0, Math.min(0xffffffff, Math.floor(n)))
  return [Math.floor(v / 0x10000), v % 0x10000]
}
