package io.verity.gateway.problem;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.verity.gateway.routing.Attempt;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import java.util.List;

/**
 * The node calls behind a problem the gateway answers itself (a {@link ProblemKind} of the protocol's one list):
 * behind a 502 the extension member {@value #MEMBER} lists the calls that failed.
 */
public final class NodeAttempts {
    /** The extension member listing the node calls behind a problem. */
    public static final String MEMBER = "attempts";

    private NodeAttempts() {}

    /** {@code kind}'s problem with the node calls that were made, when there were any. */
    public static ProblemException failed(ProblemKind kind, String detail, List<Attempt> attempts) {
        Problem p = kind.problem(detail);
        return new ProblemException(attempts.isEmpty() ? p : p.with(MEMBER, json(attempts)));
    }

    /** Each call as {@code {node, url, outcome, ms, detail?}}, ms to a tenth. */
    public static ArrayNode json(List<Attempt> attempts) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (Attempt t : attempts) a.add(t.toWire().toJson());
        return a;
    }
}
