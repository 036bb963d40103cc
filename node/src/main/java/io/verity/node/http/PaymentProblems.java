package io.verity.node.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.http.ProblemResponses;
import io.verity.node.pay.PaymentGate;
import io.verity.node.serve.NodeService;
import io.verity.protocol.receipt.PayerAuth;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemKind;
import java.util.List;

/**
 * The node's payment gate on its HTTP routes: every answering route ({@code /v1/infer} and the OpenAI ones)
 * admits its payer (named and proven by its signature) before anything runs and gives an unused reservation back afterwards; a refusal is 402
 * problem+json with {@code owed}, {@code held} and {@code credit} (wei, as strings), {@code payer}, source
 * {@code payment} and {@code retryable: false} (another node would be owed the same), plus OpenAI's
 * {@code error} object on the OpenAI routes.
 */
final class PaymentProblems {
    private static final List<String> PAID_ROUTES = List.of("/v1/infer", "/v1/chat/completions", "/v1/completions",
            "/v1/embeddings");

    private PaymentProblems() {}

    static void install(JavalinConfig cfg, NodeService service) {
        for (String path : PAID_ROUTES) {
            boolean llm = !path.equals("/v1/infer");
            cfg.routes.before(path, ctx -> {
                if (ctx.method().name().equals("POST")) service.admitPayer(ctx.header(PaymentGate.HEADER), ctx.header(PayerAuth.HEADER), llm);
            });
            cfg.routes.after(path, ctx -> service.releasePayer());
        }
        cfg.routes.exception(PaymentGate.Refused.class, (e, ctx) -> send(ctx, e));
    }

    static void send(Context ctx, PaymentGate.Refused e) {
        Problem p = ProblemKind.PAYMENT_REQUIRED.problem(e.getMessage()).with("owed", e.owed().toString())
                .with("held", e.held().toString()).with("credit", e.credit().toString())
                .with("payer", e.payer().map(Object::toString).orElse(null));
        if (ProblemResponses.OPENAI_ROUTES.contains(ctx.path())) {
            p = p.withOpenAiError(ProblemKind.PAYMENT_REQUIRED.openAiError(e.getMessage(), null));
        }
        NodeApi.send(ctx, p);
    }
}
