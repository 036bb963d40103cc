package io.verity.client;

import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.hub.ModelHub;
import io.verity.testing.RealModels;
import java.io.IOException;
import java.nio.file.Path;

/** Real nodes serving Silero VAD v5 from the project's npm models, as the SDK tests call them. */
final class Nodes {
    static final String VAD = "silero-vad";

    private Nodes() {}

    static void installVad(Path home) {
        new ModelHub(home.resolve("models")).add(RealModels.sileroVadV5().file(), VAD, "5", "MIT", "npm:@ricky0123/vad-web");
    }

    /** A node with no chain: its own fresh key, receipts in {@link io.verity.protocol.receipt.Eip712Domain#LOCAL}. */
    static InferenceNode startLocal(Path home) throws IOException {
        installVad(home);
        return InferenceNode.start(NodeConfig.defaults(home));
    }
}
