package io.verity.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.VerificationMode;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class InferRequestTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String INPUTS = "[{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[1],\"data\":[1.5]}]";

    static InferRequest read(String body, InferRequest.Route route, FieldErrors errors) throws Exception {
        return InferRequest.read(JSON.readTree(body), route, errors);
    }

    @Test
    void a_node_reads_model_inputs_request_id_and_verification() throws Exception {
        FieldErrors errors = new FieldErrors();
        InferRequest r = read("{\"model\":\"vad@1\",\"inputs\":" + INPUTS + ",\"requestId\":\"" + Keccak256.ZERO
                + "\",\"verification\":\"tee\"}", InferRequest.Route.NODE, errors);
        assertThat(errors.isEmpty()).isTrue();
        assertThat(r.model()).isEqualTo("vad@1");
        assertThat(r.inputs()).singleElement().satisfies(t -> assertThat(t.name()).isEqualTo("x"));
        assertThat(r.requestId()).contains(Keccak256.ZERO);
        assertThat(r.verification()).contains(VerificationMode.fromWireName("tee"));
        assertThat(r.policy()).isEmpty();
    }

    @Test
    void a_gateway_reads_a_policy_and_refuses_verification() throws Exception {
        FieldErrors errors = new FieldErrors();
        InferRequest r = read("{\"model\":\"m\",\"inputs\":" + INPUTS + ",\"policy\":\"redundant:2\"}", InferRequest.Route.GATEWAY, errors);
        assertThat(r.policy()).contains(Policy.parse("redundant:2"));
        assertThat(read("{\"model\":\"m\",\"inputs\":" + INPUTS + ",\"verification\":\"tee\"}", InferRequest.Route.GATEWAY, errors)).isNull();
        assertThat(errors.toList()).containsExactly(new FieldError("/verification", "unknown field, expected model, inputs, requestId, policy"));
    }

    @Test
    void names_every_bad_field_in_one_pass() throws Exception {
        FieldErrors errors = new FieldErrors();
        assertThat(read("{\"a/b\":1,\"model\":\" \",\"requestId\":7,\"verification\":1,\"inputs\":{}}", InferRequest.Route.NODE, errors)).isNull();
        assertThat(errors.toList()).extracting(FieldError::pointer)
                .containsExactly("/a~1b", "/model", "/requestId", "/verification", "/inputs");
        assertThat(errors.toList().get(3).detail()).isEqualTo("must be a string, one of none, tee, redundant, sample, optimistic");
    }

    @Test
    void a_body_that_is_not_an_object_names_the_members_expected() throws Exception {
        FieldErrors errors = new FieldErrors();
        assertThat(read("[1]", InferRequest.Route.NODE, errors)).isNull();
        assertThat(errors.toList()).containsExactly(new FieldError("", "request body must be a JSON object {model, inputs, requestId?}"));
    }
}
