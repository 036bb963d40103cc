package io.verity.gateway.policy;

import java.util.List;
import java.util.function.Function;

/** When two nodes' answers to one request count as the same answer, for quorums and audits. */
public interface Agreement<A extends Answer> {
    boolean same(A a, A b);

    /** What the agreement of {@code agreeing} rests on, as the verdict's {@code comparison} says it. */
    String comparison(List<A> agreeing);

    /**
     * Answers agree when {@code key} gives equal values; the comparison is {@code alone} for one answer (nothing
     * was compared) and {@code compared} for more.
     */
    static <A extends Answer> Agreement<A> byKey(Function<A, ?> key, String alone, String compared) {
        return new Agreement<>() {
            @Override
            public boolean same(A a, A b) {
                return key.apply(a).equals(key.apply(b));
            }

            @Override
            public String comparison(List<A> agreeing) {
                return agreeing.size() == 1 ? alone : compared;
            }
        };
    }
}
