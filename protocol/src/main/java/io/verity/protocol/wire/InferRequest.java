package io.verity.protocol.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldErrors;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code POST /v1/infer} body, {@code {model, inputs, requestId?}} plus the one field saying how to check the
 * answer: {@code verification} on a node ({@link Route#NODE}), {@code policy} on a gateway ({@link Route#GATEWAY}).
 * {@link #read} is the one validation of it: every bad field is named by its JSON pointer, unknown members too.
 *
 * @param requestId   the client's id, else the server picks one
 * @param verification what the node signs into the receipt; empty on a gateway or when not given (then none)
 * @param policy       the gateway's policy; empty on a node or when not given (then the header or the default)
 */
public record InferRequest(String model, List<Tensor> inputs, Optional<Keccak256> requestId,
        Optional<VerificationMode> verification, Optional<Policy> policy) {
    public InferRequest {
        Objects.requireNonNull(model, "model");
        inputs = List.copyOf(inputs);
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(verification, "verification");
        Objects.requireNonNull(policy, "policy");
    }

    /** Which server reads the body: the members each accepts differ in the one naming the check. */
    public enum Route {
        NODE("verification"),
        GATEWAY("policy");

        private final String modeField;

        Route(String modeField) {
            this.modeField = modeField;
        }

        /** The detail of a body that is not an object, naming the members expected. */
        public String notAnObject() {
            return "request body must be a JSON object {model, inputs, requestId?" + (this == GATEWAY ? ", policy?" : "") + "}";
        }

        boolean known(String member) {
            return member.equals("model") || member.equals("inputs") || member.equals("requestId") || member.equals(modeField);
        }
    }

    /**
     * Reads a body as {@code route} accepts it, adding every problem to {@code errors} (capped there).
     *
     * @return the request, or null when anything was wrong (then {@code errors} says what)
     */
    public static InferRequest read(JsonNode root, Route route, FieldErrors errors) {
        if (root == null || !root.isObject()) {
            errors.add("", route.notAnObject());
            return null;
        }
        int before = errors.count();
        root.fieldNames().forEachRemaining(f -> {
            if (!route.known(f)) {
                errors.add("/" + f.replace("~", "~0").replace("/", "~1"), "unknown field, expected model, inputs, requestId, "
                        + route.modeField);
            }
        });
        JsonNode model = root.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            errors.add("/model", "required: a model name, name@version or 0x digest");
        }
        Keccak256 requestId = null;
        JsonNode rid = root.get("requestId");
        if (rid != null && !rid.isNull()) {
            try {
                if (!rid.isTextual()) throw new IllegalArgumentException("must be a string");
                requestId = Keccak256.parse(rid.asText());
            } catch (IllegalArgumentException e) {
                errors.add("/requestId", "must be 0x followed by 64 hex digits (bytes32): " + e.getMessage());
            }
        }
        VerificationMode verification = null;
        Policy policy = null;
        JsonNode mode = root.get(route.modeField);
        if (mode != null && !mode.isNull()) {
            try {
                if (route == Route.NODE) {
                    if (!mode.isTextual()) {
                        throw new IllegalArgumentException("must be a string, one of none, tee, redundant, sample, optimistic");
                    }
                    verification = VerificationMode.fromWireName(mode.asText());
                } else {
                    if (!mode.isTextual()) throw new IllegalArgumentException("must be a string: none, redundant:k, sample:p or tee");
                    policy = Policy.parse(mode.asText());
                }
            } catch (IllegalArgumentException e) {
                errors.add("/" + route.modeField, e.getMessage());
            }
        }
        List<Tensor> inputs = List.of();
        JsonNode in = root.get("inputs");
        if (in == null || !in.isArray()) {
            errors.add("/inputs", "required: an array of tensors {name, dtype, shape, data}");
        } else {
            try {
                inputs = TensorJson.readList(in, "/inputs");
            } catch (InvalidFieldException e) {
                errors.addAll(e.errors());
            }
        }
        if (errors.count() > before) return null;
        return new InferRequest(model.asText(), inputs, Optional.ofNullable(requestId), Optional.ofNullable(verification),
                Optional.ofNullable(policy));
    }
}
