package io.verity.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.json.FieldError;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ProblemKindTest {
    @Test
    void every_kind_has_its_own_slug_and_a_client_or_server_error_status() {
        assertThat(Arrays.stream(ProblemKind.values()).map(k -> k.slug)).doesNotHaveDuplicates();
        assertThat(ProblemKind.values()).allSatisfy(k -> assertThat(k.status).as(k.name()).isBetween(400, 599));
    }

    @Test
    void a_kinds_problem_carries_its_type_title_status_and_source() {
        Problem p = ProblemKind.VOUCHER_BASE_STALE.problem("moved", List.of(new FieldError("/base", "stale")));
        assertThat(new String(p.toBytes(false), StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"urn:verity:problem:voucher-base-stale\",\"title\":\"The channel moved since the voucher's base"
                        + " was read\",\"status\":409,\"detail\":\"moved\",\"errors\":[{\"pointer\":\"/base\",\"detail\":"
                        + "\"stale\"}],\"source\":\"payment\",\"retryable\":false}");
        assertThat(ProblemKind.REQUEST_TIMEOUT.type()).isEqualTo("urn:verity:problem:request-timeout");
        assertThat(ProblemKind.NOT_FOUND.exception("gone").problem().slug()).isEqualTo("not-found");
    }

    @Test
    void openai_type_and_code_follow_openai_spelling() {
        assertThat(ProblemKind.PAYMENT_REQUIRED.openAiError("pay", null))
                .isEqualTo(new Problem.OpenAiError("pay", "insufficient_quota", null, "payment_required"));
        assertThat(ProblemKind.RATE_LIMITED.openAiType).isEqualTo("rate_limit_error");
        assertThat(ProblemKind.UPSTREAM_TIMEOUT.openAiType).isEqualTo("server_error");
        assertThat(ProblemKind.UNKNOWN_MODEL.openAiError("no", "model"))
                .isEqualTo(new Problem.OpenAiError("no", "invalid_request_error", "model", "model_not_found"));
    }
}
