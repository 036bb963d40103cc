package io.verity.protocol.wire;

import io.verity.protocol.WireName;
import java.util.Optional;

/**
 * Where a failure came from, and so whether the same request sent elsewhere can succeed. A node says it in its
 * problem documents ({@link #MEMBER} and {@link #RETRYABLE_MEMBER}); a gateway fails over only on a source that
 * {@link #retryElsewhere() can be retried}, so a request that poisons one node is never carried to the next.
 */
public enum FailureSource implements WireName {
    /** The request itself (malformed, out of bounds, or known to crash an engine): every node would refuse it. */
    REQUEST(false),
    /** The payer: no deposit or voucher covers the answer. Another node would be owed the same. */
    PAYMENT(false),
    /** The node: overloaded, misconfigured, shutting down, or a bug. */
    NODE(true),
    /** The engine that runs the model: a worker died or is restarting. */
    ENGINE(true),
    /** The provider a proxy node forwards to. */
    UPSTREAM(true),
    /** The chain the node settles on. */
    CHAIN(true);

    /** The problem+json extension member naming the source. */
    public static final String MEMBER = "source";
    /** The problem+json extension member saying whether another node may succeed. */
    public static final String RETRYABLE_MEMBER = "retryable";

    private final boolean retryElsewhere;

    FailureSource(boolean retryElsewhere) {
        this.retryElsewhere = retryElsewhere;
    }

    /** Whether another node may answer the same request. */
    public boolean retryElsewhere() {
        return retryElsewhere;
    }

    public static Optional<FailureSource> fromWireName(String name) {
        return WireName.find(FailureSource.class, name);
    }

    /**
     * The source a status implies when a peer does not say: 4xx but 404, 408 and 429 is the request (or its
     * payer, 402); 404 (the node may lack the model), 408, 429 and 5xx are the node's.
     */
    public static FailureSource ofStatus(int status) {
        if (status == 402) return PAYMENT;
        if (status >= 400 && status < 500 && status != 404 && status != 408 && status != 429) return REQUEST;
        return NODE;
    }
}
