package io.verity.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.gateway.routing.Attempt;
import io.verity.protocol.wire.FailureSource;
import java.io.IOException;

/** What one call to one node produced: an answer that passed the checks, or why there is none. */
public sealed interface NodeResult<A extends Answer> {
    Attempt attempt();

    record Answered<A extends Answer>(A answer) implements NodeResult<A> {
        @Override
        public Attempt attempt() {
            return answer.attempt();
        }
    }

    /**
     * @param clientFault the failure is the request's (or its payer's), see {@link #source}: another node would
     *     refuse it too, so the node's problem goes back to the client at once instead of carrying the request to
     *     the next node. A 5xx, 429, 404, timeout, connect error or bad receipt is not.
     * @param status the node's HTTP status, 0 when it sent none
     * @param body the node's error body (empty when none), relayed when {@code clientFault}
     */
    record Failed<A extends Answer>(Attempt attempt, boolean clientFault, int status, byte[] body, String contentType)
            implements NodeResult<A> {
        private static final ObjectMapper JSON = new ObjectMapper();

        /** A failure of the node or the way to it, with no answer from it: always tried elsewhere. */
        public static <A extends Answer> Failed<A> of(Attempt attempt) {
            return new Failed<>(attempt, false, 0, new byte[0], "application/json");
        }

        /** A non-200 answer, classified by {@link #source}. */
        public static <A extends Answer> Failed<A> ofStatus(Attempt attempt, int status, byte[] body, String contentType) {
            return new Failed<>(attempt, !source(status, problem(body)).retryElsewhere(), status, body, contentType);
        }

        /** The node's problem document, or null when the body is not JSON. */
        public JsonNode problem() {
            return problem(body);
        }

        /** The node's engine for the model is down ({@code "source": "engine"}): another node may answer now. */
        public boolean engineDown() {
            JsonNode p = problem();
            return status == 503 && p != null && FailureSource.ENGINE.wireName().equals(p.path(FailureSource.MEMBER).asText());
        }

        private static JsonNode problem(byte[] body) {
            if (body.length == 0) return null;
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }
    }

    /**
     * Who a node's non-200 answer blames: the {@code source} member of its problem, else what its status
     * implies. A node's word can only narrow failover, never widen it: a 4xx it calls retryable (429, 404) is
     * tried elsewhere, but a 5xx is never treated as the client's, whatever the body says, so a broken node
     * cannot turn its own failure into the client's.
     */
    static FailureSource source(int status, JsonNode problem) {
        FailureSource implied = FailureSource.ofStatus(status);
        if (status >= 500 || problem == null) return implied;
        return FailureSource.fromWireName(problem.path(FailureSource.MEMBER).asText(""))
                .filter(s -> problem.path(FailureSource.RETRYABLE_MEMBER).isMissingNode()
                        || problem.path(FailureSource.RETRYABLE_MEMBER).asBoolean(true) == s.retryElsewhere())
                .orElse(implied);
    }
}
