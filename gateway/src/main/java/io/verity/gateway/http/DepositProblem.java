package io.verity.gateway.http;

import io.javalin.http.Context;
import io.verity.gateway.pay.Payer;
import io.verity.http.ProblemResponses;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemKind;

/**
 * The gateway's 402 for a client whose deposit cannot pay the next answer ({@link Payer.DepositShort}):
 * problem+json with {@code deposit}, {@code owed} and {@code price} (wei, as strings), {@code client}, source
 * {@code payment} and {@code retryable: false}; on the OpenAI routes also OpenAI's {@code error} object.
 */
final class DepositProblem {
    private DepositProblem() {}

    static void send(Context ctx, Payer.DepositShort e) {
        Problem p = ProblemKind.INSUFFICIENT_DEPOSIT.problem(e.getMessage()).with("client", e.client.toString())
                .with("deposit", e.deposit.toString()).with("owed", e.owed.toString()).with("price", e.price.toString())
                .withOpenAiError(ProblemKind.INSUFFICIENT_DEPOSIT.openAiError(e.getMessage(), null));
        ProblemResponses.send(ctx, p);
    }
}
