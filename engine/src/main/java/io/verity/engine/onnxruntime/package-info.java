/**
 * The ONNX Runtime (CPU) engine: {@link io.verity.engine.onnxruntime.OnnxRuntimeEngine}, configured by
 * {@link io.verity.engine.onnxruntime.OnnxRuntimeSettings}.
 *
 * <p>Contracts: the engine and its loaded models are thread-safe; a model may be run from many threads at
 * once. Every native object (session, tensor, result) is closed before the call that made it returns, except
 * sessions, which live until {@code unload} or {@code close}. Arguments are never null; a null argument
 * throws {@link java.lang.NullPointerException} naming it. ONNX Runtime errors are mapped to
 * {@link io.verity.engine.EngineException} kinds: a file ORT cannot load is {@code INVALID_MODEL}, inputs ORT
 * (or the schema check before it) rejects are {@code INVALID_INPUT}, anything else is {@code FAILURE}.
 *
 * <p>Results are not bit-identical across CPUs: ORT picks kernels by instruction set. Nodes that must agree
 * bit for bit use the deterministic interpreter; the engine id records the ORT version and any setting that
 * can change results.
 */
package io.verity.engine.onnxruntime;
