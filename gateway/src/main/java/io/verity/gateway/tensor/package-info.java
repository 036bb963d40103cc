/**
 * Tensor answers: {@link io.verity.gateway.tensor.NodeCaller} calls a node's {@code POST /v1/infer} and checks its receipt;
 * answers agree bit-exactly between deterministic engines, else within a {@link io.verity.gateway.tensor.Tolerance}.
 */
package io.verity.gateway.tensor;
