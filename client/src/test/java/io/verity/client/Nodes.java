package io.verity.client;

import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.fixture.StakedNodes;
import java.io.IOException;
import java.nio.file.Path;

/** Real nodes serving Silero VAD v5 from the project's npm models, as the SDK tests call them. */
final class Nodes {
    static final String VAD = StakedNodes.VAD;

    private Nodes() {}

    /** A node with no chain: its own fresh key, receipts in {@link io.verity.protocol.receipt.Eip712Domain#LOCAL}. */
    static InferenceNode startLocal(Path home) throws IOException {
        StakedNodes.installVad(home);
        return InferenceNode.start(NodeConfig.defaults(home));
    }
}
