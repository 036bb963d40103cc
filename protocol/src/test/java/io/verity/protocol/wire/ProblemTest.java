package io.verity.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ProblemTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Problem invalid() {
        return Problem.of("invalid-request", "Request does not match the API", 400, "1 error(s) in the request")
                .withErrors(List.of(new FieldError("/model", "required"))).withInstance("/v1/infer");
    }

    @Test
    void writes_the_members_in_the_order_every_server_used() {
        Problem p = invalid().with("held", "5000").withSource(FailureSource.PAYMENT);
        assertThat(new String(p.toBytes(false), StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"urn:verity:problem:invalid-request\","
                + "\"title\":\"Request does not match the API\",\"status\":400,\"detail\":\"1 error(s) in the request\","
                + "\"instance\":\"/v1/infer\",\"errors\":[{\"pointer\":\"/model\",\"detail\":\"required\"}],\"held\":\"5000\","
                + "\"source\":\"payment\",\"retryable\":false}");
    }

    @Test
    void leaves_out_absent_members() {
        assertThat(new String(Problem.of("not-found", "Not found", 404, null).toBytes(false), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"urn:verity:problem:not-found\",\"title\":\"Not found\",\"status\":404}");
    }

    @Test
    void derives_the_openai_error_object_from_the_problem_unless_one_is_set() throws Exception {
        var derived = JSON.readTree(Problem.of("internal", "Internal error", 500, "boom").toBytes(true));
        assertThat(derived.get("error").toString())
                .isEqualTo("{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":\"internal\"}");
        assertThat(derived.fieldNames().next()).isEqualTo("error");
        var set = JSON.readTree(invalid().withOpenAiError(new Problem.OpenAiError("m", "invalid_request_error", "model", null))
                .toBytes(true));
        assertThat(set.get("error").toString())
                .isEqualTo("{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":null}");
        assertThat(JSON.readTree(invalid().toBytes(false)).has("error")).isFalse();
    }

    @Test
    void caps_field_errors_as_every_reader_does() {
        List<FieldError> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) many.add(new FieldError("/f" + i, "bad"));
        List<FieldError> kept = invalid().withErrors(many).errors();
        assertThat(kept).hasSize(FieldErrors.MAX + 1).last().isEqualTo(new FieldError("", "30 more errors not shown"));
    }

    @Test
    void refuses_an_extension_that_shadows_a_standard_member() {
        assertThatThrownBy(() -> invalid().with("status", "200")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("extension member 'status' is reserved");
    }

    @Test
    void reads_back_what_it_writes() throws Exception {
        Problem p = invalid().with("held", "5000").withSource(FailureSource.NODE);
        assertThat(Problem.fromJson(400, JSON.readTree(p.toBytes(false)))).isEqualTo(p);
    }

    @Test
    void reads_a_sparse_document_leniently_and_trusts_the_http_status() throws Exception {
        Problem p = Problem.fromJson(502, JSON.readTree("{\"status\":200,\"attempts\":[1]}"));
        assertThat(p.type()).isEqualTo("about:blank");
        assertThat(p.title()).isEmpty();
        assertThat(p.status()).isEqualTo(502);
        assertThat(p.detail()).isNull();
        assertThat(p.source()).isNull();
        assertThat(p.extensions()).containsOnlyKeys("attempts");
    }
}
