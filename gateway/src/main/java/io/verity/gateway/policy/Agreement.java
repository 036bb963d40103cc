package io.verity.gateway.policy;

import java.util.List;

/** When two nodes' answers to one request count as the same answer, for quorums and audits. */
public interface Agreement<A extends Answer> {
    boolean same(A a, A b);

    /** What the agreement of {@code agreeing} rests on, as the verdict's {@code comparison} says it. */
    String comparison(List<A> agreeing);
}
