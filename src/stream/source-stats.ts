/** What a frame source counts as it runs; every kind of source keeps the same figures. */
export interface SourceStats {
  /** Frames that arrived (decoded, or pushed). */
  framesDecoded: number;
  /** Frames handed to the consumer. */
  framesDelivered: number;
  /** Frames thrown away because the consumer was behind (live sources only). */
  framesDropped: number;
  /** Times the decoder was started again after a failure, a stall or a disconnect. */
  restarts: number;
  width: number | undefined;
  height: number | undefined;
  fps: number | undefined;
  state: 'idle' | 'opening' | 'running' | 'reconnecting' | 'ended' | 'failed' | 'closed';
  /** The last failure, recovered from or not. */
  lastError: Error | undefined;
}

/** A source's figures before its first frame. */
export function newSourceStats(): SourceStats {
  return {
    framesDecoded: 0,
    framesDelivered: 0,
    framesDropped: 0,
    restarts: 0,
    width: undefined,
    height: undefined,
    fps: undefined,
    state: 'idle',
    lastError: undefined,
  };
}
