package io.verity.gateway.policy;

import io.verity.gateway.openai.LlmCaller;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.tensor.NodeCaller;
import java.util.concurrent.CompletableFuture;

/**
 * Asks one node one request and checks its answer; the {@link PolicyEngine}'s only way to reach a node. The
 * HTTP callers implement it for tensors ({@code tensor.NodeCaller}) and language models
 * ({@code openai.LlmCaller}); unit tests implement it in memory.
 *
 * @param <C> the request as every node gets it
 * @param <A> a checked answer
 */
@FunctionalInterface
public interface NodeCall<C, A extends Answer> {
    /**
     * Never completes exceptionally for the node's faults: a failure is a {@link NodeResult.Failed}. Cancelling the
     * future abandons the call (a hedge that lost).
     */
    CompletableFuture<NodeResult<A>> call(NodeState node, C request);
}
