package io.verity.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.problem.Problem;
import io.verity.protocol.wire.FailureSource;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The gateway's 402 for a client whose deposit cannot pay the next answer ({@link Payer.DepositShort}):
 * problem+json with {@code deposit}, {@code owed} and {@code price} (wei, as strings), {@code client}, source
 * {@code payment} and {@code retryable: false}; on the OpenAI routes also OpenAI's {@code error} object.
 */
final class DepositProblem {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SLUG = "insufficient-deposit";

    private DepositProblem() {}

    static void send(Context ctx, Payer.DepositShort e) {
        ObjectNode body = JSON.createObjectNode();
        if (ctx.path().startsWith("/v1/chat/") || ctx.path().equals("/v1/completions")) {
            body.putObject("error").put("message", e.getMessage()).put("type", "insufficient_quota").putNull("param")
                    .put("code", "insufficient_deposit");
        }
        body.put("type", "urn:verity:problem:" + SLUG).put("title", "Client's deposit does not cover the answer")
                .put("status", 402).put("detail", e.getMessage()).put("instance", ctx.path());
        body.put("client", e.client.toString()).put("deposit", e.deposit.toString()).put("owed", e.owed.toString())
                .put("price", e.price.toString());
        body.put(FailureSource.MEMBER, FailureSource.PAYMENT.wireName());
        body.put(FailureSource.RETRYABLE_MEMBER, FailureSource.PAYMENT.retryElsewhere());
        try {
            ctx.status(402).contentType(Problem.MEDIA_TYPE).result(JSON.writeValueAsBytes(body));
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }
}
