package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
    private static final StrictJson JSON = StrictJson.standard();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static FieldError refusal(byte[] body) {
        try {
            JSON.read(body);
        } catch (InvalidFieldException e) {
            return e.errors().get(0);
        }
        throw new AssertionError("accepted " + new String(body, StandardCharsets.UTF_8));
    }

    @Test
    void readsOneWellFormedDocument() {
        assertThat(JSON.readObject(utf8("{\"a\":[1,\"é😀\",{\"b\":null}]}")).at("/a/1").textValue()).isEqualTo("é😀");
    }

    @Test
    void refusesTrailingContentAndSecondDocuments() {
        assertThat(refusal(utf8("{\"a\":1} x")).detail()).contains("malformed JSON");
        assertThat(refusal(utf8("{\"a\":1}{\"a\":2}")).detail()).contains("malformed JSON");
    }

    @Test
    void refusesDuplicateMembers() {
        assertThat(refusal(utf8("{\"model\":\"a\",\"model\":\"b\"}")).detail()).contains("Duplicate field 'model'");
    }

    @Test
    void refusesOverlongAndInvalidUtf8() {
        byte[] overlong = {'{', '"', 'a', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'};
        assertThat(refusal(overlong).detail()).contains("not well-formed UTF-8").contains("byte 6");
        byte[] encodedSurrogate = {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'};
        assertThat(refusal(encodedSurrogate).detail()).contains("UTF-8");
        assertThat(refusal(new byte[] {'"', (byte) 0xff, '"'}).detail()).contains("UTF-8");
    }

    /**
     * Found by TensorJsonFuzzTest: NULs among the first four bytes made Jackson read the body as UTF-32 (or
     * UTF-16), whose reader failed with an IOException that escaped as an UncheckedIOException (a 500).
     */
    @Test
    void readsBodiesAsUtf8EvenWhenNulsLookLikeUtf32OrUtf16() {
        assertThat(refusal(utf8("~\0\0\0\0\0\0\0:\"z\"")).detail()).contains("malformed JSON");
        assertThat(refusal(new byte[] {'{', 0, '"', 0, 'a', 0, '"', 0, ':', 0, '1', 0, '}', 0}).detail())
                .contains("malformed JSON");
        assertThat(refusal(new byte[] {0, 0, 0, '1'}).detail()).contains("malformed JSON");
    }

    @Test
    void refusesUnpairedSurrogateEscapesWithTheirPointer() {
        FieldError e = refusal(utf8("{\"messages\":[{\"content\":\"\\ud800\"}]}"));
        assertThat(e.pointer()).isEqualTo("/messages/0/content");
        assertThat(e.detail()).contains("unpaired surrogate");
        assertThat(JSON.read(utf8("\"\\ud83d\\ude00\"")).textValue()).isEqualTo("😀");
    }

    @Test
    void findsTheEscapeOfAnAsciiBodyAtEveryOffsetOfTheWordScan() {
        // ASCII bodies are scanned eight bytes at a time for a backslash; only one found turns the check on.
        for (int pad = 0; pad < 17; pad++) {
            String p = "x".repeat(pad);
            assertThat(refusal(utf8("{\"" + p + "\":\"\\udc00\"}")).pointer()).isEqualTo("/" + p);
            assertThat(refusal(utf8("{\"" + p + "\\ud800\":1}")).detail()).contains("member name");
            assertThat(JSON.read(utf8("{\"" + p + "\":\"a\\\\b\"}")).get(p).textValue()).isEqualTo("a\\b");
        }
    }

    @Test
    void boundsNestingAndMembers() {
        String deep = "[".repeat(65) + "]".repeat(65);
        assertThat(refusal(utf8(deep)).detail()).contains("nesting depth");
        StrictJson small = new StrictJson(new StrictJson.Limits(8, 100, 10, 3));
        assertThatThrownBy(() -> small.read(utf8("[1,2,3,4]"))).isInstanceOf(InvalidFieldException.class)
                .hasMessageContaining("more than 3 members");
        assertThatThrownBy(() -> small.read(utf8("\"" + "x".repeat(101) + "\""))).isInstanceOf(InvalidFieldException.class);
    }

    @Test
    void refusesEmptyBodiesAndByteOrderMarks() {
        assertThat(refusal(new byte[0]).detail()).contains("empty");
        assertThat(refusal(utf8("  ")).detail()).contains("empty");
        assertThat(refusal(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '1'}).detail()).contains("byte order mark");
    }
}
