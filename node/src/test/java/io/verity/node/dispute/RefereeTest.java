package io.verity.node.dispute;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.Dispute;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RefereeTest {
    static Dispute voting() {
        Keccak256 a = Keccak256.hash(new byte[] {1}), b = Keccak256.hash(new byte[] {2});
        return new Dispute(0, a, b, EvmAddress.ZERO, EvmAddress.ZERO, BigInteger.ONE, Dispute.State.VOTING, 10, 4, 5, 5,
                Instant.EPOCH, 3, a, b);
    }

    @Test
    void a_node_that_does_not_serve_the_disputed_receipt_loses_the_vote() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Referee referee = new Referee((d, engine) -> Optional.empty());
        Optional<Referee.Ruling> v = referee.judge(voting(), new TraceClient(URI.create("http://127.0.0.1:" + port)));
        assertThat(v).contains(new Referee.Ruling(false, "node did not serve the disputed receipt"));
    }
}
