package io.verity.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.node.settle.PaymentGate;
import io.verity.protocol.wire.FailureSource;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The node's payment gate on its HTTP routes: every answering route ({@code /v1/infer} and the OpenAI ones)
 * admits its payer before anything runs and gives an unused reservation back afterwards; a refusal is 402
 * problem+json with {@code owed}, {@code held} and {@code credit} (wei, as strings), {@code payer}, source
 * {@code payment} and {@code retryable: false} (another node would be owed the same), plus OpenAI's
 * {@code error} object on the OpenAI routes.
 */
final class PaymentProblems {
    private static final List<String> PAID_ROUTES = List.of("/v1/infer", OpenAiApi.CHAT, OpenAiApi.COMPLETIONS);

    private PaymentProblems() {}

    static void install(JavalinConfig cfg, NodeService service) {
        for (String path : PAID_ROUTES) {
            boolean llm = !path.equals("/v1/infer");
            cfg.routes.before(path, ctx -> {
                if (ctx.method().name().equals("POST")) service.admitPayer(ctx.header(PaymentGate.HEADER), llm);
            });
            cfg.routes.after(path, ctx -> service.releasePayer());
        }
        cfg.routes.exception(PaymentGate.Refused.class, (e, ctx) -> send(ctx, e));
    }

    static void send(Context ctx, PaymentGate.Refused e) {
        ObjectNode body;
        if (ctx.path().equals(OpenAiApi.CHAT) || ctx.path().equals(OpenAiApi.COMPLETIONS)) {
            body = OpenAiApi.errorBody(ctx.path(), new OpenAiApi.OpenAiException(Problem.Kind.PAYMENT_REQUIRED,
                    "insufficient_quota", e.getMessage(), null, "payment_required"));
        } else {
            Problem p = Problem.of(Problem.Kind.PAYMENT_REQUIRED, e.getMessage());
            body = NodeApi.JSON.createObjectNode().put("type", p.type()).put("title", p.title()).put("status", p.status())
                    .put("detail", p.detail()).put("instance", ctx.path());
        }
        body.put("owed", e.owed().toString()).put("held", e.held().toString()).put("credit", e.credit().toString());
        body.put("payer", e.payer().map(Object::toString).orElse(null));
        body.put(FailureSource.MEMBER, FailureSource.PAYMENT.wireName());
        body.put(FailureSource.RETRYABLE_MEMBER, FailureSource.PAYMENT.retryElsewhere());
        try {
            ctx.status(402).contentType(Problem.MEDIA_TYPE).result(NodeApi.JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException x) {
            throw new UncheckedIOException(x);
        }
    }
}
