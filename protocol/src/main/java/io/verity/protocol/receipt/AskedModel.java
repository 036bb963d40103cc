package io.verity.protocol.receipt;

import io.verity.protocol.Keccak256;
import java.util.Objects;
import java.util.Optional;

/**
 * The model a client asked for, and what it accepts instead: the one check of "was I served what I asked for"
 * that the gateway, the Java SDK and the TypeScript SDK (sdk/js, same rules) apply to a receipt.
 *
 * @param name the request's {@code model}
 * @param pinnedDigest the exact model digest the request pinned ({@code verity.model_digest}), if any
 * @param allowSubstitution whether the request accepts another served model ({@code verity.allow_substitution})
 */
public record AskedModel(String name, Optional<Keccak256> pinnedDigest, boolean allowSubstitution) {
    public AskedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pinnedDigest, "pinnedDigest");
    }

    /**
     * What an OpenAI-style request body asks: its {@code model}, {@code verity.model_digest} and
     * {@code verity.allow_substitution} (docs/llm.md).
     *
     * @throws IllegalArgumentException naming the member that is not of its form
     */
    public static AskedModel ofRequest(com.fasterxml.jackson.databind.JsonNode body) {
        var model = body.path("model");
        if (!model.isTextual()) throw new IllegalArgumentException("model must be a string, got " + model);
        var v = body.path("verity");
        var pin = v.path("model_digest");
        var allow = v.path("allow_substitution");
        if (!allow.isMissingNode() && !allow.isNull() && !allow.isBoolean()) {
            throw new IllegalArgumentException("verity.allow_substitution must be true or false, got " + allow);
        }
        return new AskedModel(model.asText(), pin.isTextual() ? Optional.of(Keccak256.parse(pin.asText())) : Optional.empty(),
                allow.asBoolean(false));
    }

    /** Asked by name, no pin, no substitution allowed. */
    public static AskedModel named(String name) {
        return new AskedModel(name, Optional.empty(), false);
    }

    /**
     * What in {@code r} contradicts the request, or empty: a model digest other than the pinned one; for a v2
     * receipt, a requested model other than the one asked, or (unless allowed) a served model that is not the
     * requested one or a dated snapshot of it ({@link ReceiptV2#servedAsRequested()}). A v1 receipt names no
     * requested or served model, so only the pin can be checked on it.
     */
    public Optional<String> problem(Receipt r) {
        if (pinnedDigest.isPresent() && !pinnedDigest.get().equals(r.modelDigest())) {
            return Optional.of("model digest " + r.modelDigest() + " is not the pinned " + pinnedDigest.get());
        }
        if (!r.isV2()) return Optional.empty();
        ReceiptV2 v = r.v2();
        if (!v.requestedModel().equals(name)) {
            return Optional.of("the receipt says the request asked for '" + v.requestedModel() + "', it asked for '" + name + "'");
        }
        if (!allowSubstitution && !v.servedAsRequested()) {
            return Optional.of("model substitution: asked for '" + name + "', served by '" + v.servedModel() + "'"
                    + (v.provider().isEmpty() ? "" : " at " + v.provider())
                    + "; set verity.allow_substitution to accept another model");
        }
        return Optional.empty();
    }
}
