/**
 * Worker-thread pool for the WASM GEMM (placeholder: threads land in a later commit).
 */
export interface ThreadPool {
  /** threads in use, the calling thread included */
  readonly size: number;
  /** should a product of this size be split over the threads? */
  accepts(m: number, n: number, k: number): boolean;
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float64Array,
    aOff: number,
    lda: number,
    B: Float64Array,
    bOff: number,
    ldb: number,
    beta: number,
    C: Float64Array,
    cOff: number,
    ldc: number,
  ): void;
  dispose(): void;
}

export async function createThreadPool(_n: number): Promise<ThreadPool> {
  throw new Error("matgrad: worker threads are not available yet");
}
