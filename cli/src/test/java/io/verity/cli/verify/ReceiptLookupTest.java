package io.verity.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReceiptLookupTest {
    private static final String ID = "0x" + "0123456789abcdef".repeat(4);

    @Test
    void a_bare_id_is_looked_up_on_the_nodes() {
        assertThat(ReceiptLookup.parse(ID)).contains(new ReceiptLookup.Target(Keccak256.parse(ID), Optional.empty()));
        assertThat(ReceiptLookup.parse(ID.toUpperCase().replace("0X", "0x"))).isPresent();
    }

    @Test
    void an_explorer_page_or_its_api_url_names_the_explorer_and_the_id() {
        for (String url : new String[] {"http://127.0.0.1:8090/receipts/" + ID, "https://explorer.example/v/receipts/" + ID + "/",
                "http://127.0.0.1:8090/api/receipts/" + ID}) {
            ReceiptLookup.Target t = ReceiptLookup.parse(url).orElseThrow();
            assertThat(t.id()).isEqualTo(Keccak256.parse(ID));
            assertThat(t.explorer().map(URI::toString).orElseThrow()).doesNotContain("/receipts").startsWith("http");
        }
    }

    @Test
    void anything_else_is_a_file_name() {
        assertThat(ReceiptLookup.parse("r.json")).isEmpty();
        assertThat(ReceiptLookup.parse(ID + "00")).isEmpty(); // 33 bytes
        assertThat(ReceiptLookup.parse(ID.substring(2))).isEmpty(); // no 0x: a file name
        assertThat(ReceiptLookup.parse("ftp://host/receipts/" + ID)).isEmpty();
        assertThat(ReceiptLookup.parse("http://host/batches/" + ID)).isEmpty();
    }
}
