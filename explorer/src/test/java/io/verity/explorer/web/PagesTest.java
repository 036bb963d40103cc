package io.verity.explorer.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.explorer.ExplorerConfig;
import io.verity.explorer.index.Store;


import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PagesTest {
    @Test
    void the_ethers_bundle_and_the_verifier_are_packaged_so_pages_work_offline() {
        assertThat(Pages.class.getResource("/io/verity/explorer/static/ethers.umd.min.js"))
                .as("copied from tools/node/node_modules/ethers at build time").isNotNull();
        assertThat(Pages.class.getResource("/io/verity/explorer/static/verify.js")).isNotNull();
    }

    @Test
    void escapes_every_text_it_renders() {
        assertThat(Html.esc("<script>alert('x')</script>&\"")).isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
        assertThat(new Html().a("/x?q=\"><b>", "<i>").toString()).isEqualTo("<a href=\"/x?q=&quot;&gt;&lt;b&gt;\">&lt;i&gt;</a>");
    }

    @Test
    void links_only_absolute_http_and_https_uris_and_shows_every_other_uri_as_text() {
        assertThat(Html.external("https://node.example/v1/batches/0x1?a=1&b=2"))
                .isEqualTo("<a href=\"https://node.example/v1/batches/0x1?a=1&amp;b=2\" rel=\"noopener noreferrer nofollow\">"
                        + "https://node.example/v1/batches/0x1?a=1&amp;b=2</a>");
        assertThat(Html.external("HTTP://127.0.0.1:8080/x")).startsWith("<a href=\"HTTP://127.0.0.1:8080/x\"");
        for (String bad : List.of("javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
                "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x", "//evil.example/x", "/relative", "https:///no-host", "http://x/\"><b>", "")) {
            assertThat(Html.external(bad)).as(bad).isEqualTo("<code>" + Html.esc(bad) + "</code>").doesNotContain("href");
        }
        assertThat(Html.external(null)).isEqualTo("<code>null</code>");
    }

    @Test
    void links_to_the_explorer_s_own_pages_only_through_a() {
        assertThat(Html.link("/search?q=" + Html.param("a b&c\"<"), "x")).isEqualTo("<a href=\"/search?q=a+b%26c%22%3C\">x</a>");
        for (String notAPath : List.of("javascript:alert(1)", "https://x.example/", "//x.example/")) {
            assertThatThrownBy(() -> Html.link(notAPath, "x")).as(notAPath).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void formats_wei_as_ether_and_microether() {
        assertThat(Pages.eth(BigInteger.TEN.pow(18).multiply(BigInteger.valueOf(3)))).isEqualTo("3");
        assertThat(Pages.microEth(BigInteger.valueOf(1_100_000_000_000L))).isEqualTo("1.1");
        assertThat(Pages.short_("0x" + "ab".repeat(32))).isEqualTo("0xababab…abab");
    }

    @Test
    void charts_one_bar_per_batch_oldest_first() {
        EvmAddress node = EvmAddress.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        Keccak256 h = Keccak256.hash(new byte[] {1});
        String svg = Pages.chart(List.of(new Store.Batch(2, node, h, 4, "u", 9, h, true, null, 2000),
                new Store.Batch(1, node, h, 2, "u", 5, h, true, null, 1000)));
        assertThat(svg).contains("<svg").containsSubsequence("batch 1: 2 receipts", "batch 2: 4 receipts");
        assertThat(svg.split("<rect", -1)).hasSize(3);
        assertThat(Pages.chart(List.of())).contains("No batches yet");
    }

    @Test
    void says_what_a_trace_root_is_the_on_challenge_marker_in_words_and_how_long_a_node_has_to_commit_its_trace() {
        assertThat(DisputeView.traceRoot(io.verity.protocol.receipt.Receipt.TRACE_ON_CHALLENGE)).startsWith("committed when challenged")
                .doesNotContain(io.verity.protocol.receipt.Receipt.TRACE_ON_CHALLENGE.toHex());
        assertThat(DisputeView.traceRoot(Keccak256.ZERO)).startsWith("none");
        Keccak256 root = Keccak256.hash(new byte[] {7});
        assertThat(DisputeView.traceRoot(root)).startsWith("<code>" + root.toHex() + "</code>").contains("signed up front");
        var awaitTrace = io.verity.chain.contracts.Dispute.State.AWAIT_TRACE;
        assertThat(DisputeView.state(awaitTrace, 140, 40)).isEqualTo("waiting for the node's trace, 100 blocks left");
        assertThat(DisputeView.state(awaitTrace, 140, 139)).isEqualTo("waiting for the node's trace, 1 block left");
        assertThat(DisputeView.state(awaitTrace, 140, 140)).startsWith("the node did not commit its trace in time");
        assertThat(DisputeView.state(io.verity.chain.contracts.Dispute.State.CHALLENGER_WON, 0, 9)).isEqualTo("the node was convicted");
    }

    @Test
    void refuses_a_database_url_that_is_neither_h2_nor_postgresql_and_hides_passwords() {
        assertThatThrownBy(() -> ExplorerConfig.defaults(Path.of("h"), Path.of("d")).withJdbcUrl("jdbc:mysql://x/db?password=secret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbc:h2: or jdbc:postgresql:")
                .hasMessageNotContaining("secret");
        assertThat(Store.redact("jdbc:postgresql://h/db?user=u&password=secret&ssl=true")).isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
    }
}
