/**
 * verity-det/2 (the arithmetic of verity-det/1; the trace also commits to the outputs): a pure-Java ONNX interpreter whose results are bit-identical on every JVM, CPU and thread
 * count, and which commits to every intermediate tensor so a wrong answer can be pinned to one operator.
 *
 * <h2>Public API</h2>
 * {@link io.verity.engine.det.DeterministicEngine} (an {@link io.verity.engine.InferenceEngine}),
 * {@link io.verity.engine.det.DeterministicModel} (run, trace, intermediate tensors, single-node
 * re-execution), {@link io.verity.engine.det.ExecutionTrace}, {@link io.verity.engine.det.TraceEntry},
 * and the trace openings of {@link io.verity.protocol.merkle.TraceProof} (protocol). This package also holds the
 * interpreter and the operator table, which use everything below; nothing below uses them.
 *
 * <h2>Sub-packages (the implementation; their public types are for these packages only)</h2>
 * {@code tensor}: arrays, conversion to and from the wire, the canonical digest, the pool. {@code graph}: the
 * compiled graph, its nodes, and what a kernel is given ({@code Kernel}, {@code KernelContext}), so kernels
 * never depend on the interpreter. {@code ops.*}: the kernels by capability ({@code math}, {@code shape},
 * {@code nn}, {@code norm}, {@code rnn}, {@code control}). {@code PackageBoundariesTest} keeps them free of
 * cycles and under 1,500 lines each.
 *
 * <h2>Arithmetic contract (what "deterministic" means here)</h2>
 * Java's float and double arithmetic is IEEE 754 with round-to-nearest-even on every platform (strictfp is
 * the only semantics since Java 17), and StrictMath is specified bit-for-bit (fdlibm). The engine relies on
 * nothing else:
 * <ol>
 *   <li><b>Dot products and sums</b> (MatMul, Gemm, Conv, ConvTranspose, LSTM/GRU/RNN gates, pooling,
 *       reductions, normalisation statistics, Softmax denominators): each float32 product is formed exactly
 *       in float64 ({@code (double) a * (double) b} has at most 48 significant bits), the products are
 *       added in a float64 accumulator that starts at 0, in ascending order of the reduced index (Conv:
 *       input channel, kernel row, kernel column; reductions: row-major order of the reduced axes), the bias
 *       (if any) is added after the sum, and the result is rounded once to float32. No FMA
 *       ({@code Math.fma}) is used under verity-det/2.</li>
 *   <li><b>verity-det/3</b> (opt-in, {@code DeterministicEngine.create(threads, tracing, ID_V3)}) changes rule 1 for
 *       float32 MatMul, Gemm, Conv and kernel-equals-stride ConvTranspose only: each output is
 *       {@code s = +0f; for k ascending: s = fma(a_k, b_k, s)} ({@code Math.fma}) in float32 (one rounding per k; Conv's k is
 *       (input channel, kernel row, kernel column) with the zero padding as operands, im2col's order), then
 *       {@code s + bias} as one float32 addition (Gemm: {@code round32(alpha * s + beta * C)} in float64). The
 *       Vector API kernels put different outputs in different lanes and never combine lanes, so the vector width
 *       (or its absence: scalar loops when the incubator module is not loaded) cannot change a bit. The Erf
 *       operator on float32 is {@code Special.erf3} (fixed polynomials, Horner in float64), and exp in Softmax and
 *       LogSoftmax, the Sigmoid and Tanh operators and the recurrent operators' Sigmoid and Tanh gates are
 *       {@code Special.exp3}, {@code sigmoid3} and {@code tanh3} (a 32-entry 2^(j/32) table and a degree-5
 *       polynomial in float64, plain {@code *} and {@code +}). Every other rule is verity-det/2's.</li>
 *   <li><b>float32 +, -, *, /</b> in elementwise operators are single IEEE float32 operations (computing them
 *       in float64 and rounding gives the same bits, so it does not matter which way a kernel writes it).</li>
 *   <li><b>Every other float function</b> (exp, log, tanh, sqrt, pow, sin, erf, sigmoid, softplus, gelu,
 *       ...) is evaluated in float64 with StrictMath (erf: {@code Special.erf}, a fixed series/continued
 *       fraction over StrictMath) and rounded once to float32. Activation formulas are evaluated exactly as
 *       written in the operator's Javadoc in the kernel source.</li>
 *   <li><b>Recurrent operators</b> round every stored quantity (gate pre-activation, gate, cell, hidden
 *       state) to float32; each expression between two roundings is evaluated in float64.</li>
 *   <li><b>Integer operators</b> compute in 64 bits and wrap to the dtype's width (two's complement).
 *       Data-movement operators (Reshape, Transpose, Gather, Slice, Concat, Pad, Resize-nearest, ...) are
 *       exact copies.</li>
 *   <li><b>Parallelism</b> happens only across independent output elements (rows/tiles of a product, output
 *       channels, rows of a broadcast), on the engine's own bounded pool; every output element is computed
 *       start to finish by one thread in the order above. Under /2 the Vector API is not used, so the hardware's
 *       vector width cannot matter; the JIT may vectorise only what Java semantics make order-preserving.</li>
 *   <li><b>Node order</b>: the graph's file order when it is topological (ONNX requires it), otherwise Kahn's
 *       algorithm choosing the lowest file index first.</li>
 *   <li><b>float16</b> tensors hold their 16 bits. A node with a float16 input (other than Cast, CastLike,
 *       Identity, If, Loop, Scan) runs its float32 kernel on the inputs widened exactly to float32, and each
 *       float32 output (LayerNormalization: Y only; its statistics stay float32) is rounded once to float16,
 *       nearest, ties to even ({@code protocol.tensor.Float16});
 *       a cast to float16 rounds the source value once (float64 directly, never through float32).
 *       QLinearMatMul/QLinearConv: the exact integer sum {@code acc} of MatMulInteger/ConvInteger (plus the
 *       int32 bias), then {@code rint((double) acc * m + zeroPoint)} with {@code m = round32(round32(sa * sb) / sy)},
 *       saturated to the output type.</li>
 * </ol>
 *
 * <h2>Execution trace</h2>
 * Entry i of a trace is the canonical tensorDigest (docs/protocol.md) of: first the graph inputs in schema
 * order, then every output of every top-level node in execution order (If/Loop bodies are part of their
 * node), and last the outputs entry, {@code tensorsDigest(graph outputs)}: the receipt's outputsDigest
 * (its referee re-executes it with {@link io.verity.engine.det.DeterministicModel#outputsEntryDigest}). The
 * entries form a hash chain, {@code chain(i) = keccak256(chain(i-1) ‖ digest_i)}, and the trace root is {@code keccak256(uint256 n ‖ merkleRoot)} over leaves {@code keccak256(uint256 i ‖ chain(i))}; see
 * {@link io.verity.protocol.merkle.TraceProof}. A bisection over chain values ends at the first entry two parties
 * disagree on; it is produced by one node whose inputs are all earlier (hence agreed) entries or model
 * initializers, which {@link io.verity.engine.det.DeterministicModel#executeNode} re-executes.
 *
 * <h2>Threading and nulls</h2>
 * Engines and loaded models are thread-safe. No method accepts or returns null.
 */
package io.verity.engine.det;
