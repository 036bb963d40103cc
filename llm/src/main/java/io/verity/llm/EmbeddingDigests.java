package io.verity.llm;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * The digests a receipt signs for an OpenAI embeddings answer ({@code POST /v1/embeddings}):
 *
 * <pre>
 * requestDigest  = {@link ChatDigests#request}("/v1/embeddings", body, applied)   (the chat routes' form)
 * responseDigest = {@link TensorDigests#tensorsDigest}([embeddings: float32 [inputs, dimensions],
 *                                                     usage: int64 [prompt_tokens, total_tokens]])
 * </pre>
 *
 * The vectors are digested as tensors, not as JSON: an answer has one digest whether its vectors travel as JSON
 * numbers or as base64 ({@code encoding_format}), and deterministic nodes' answers compare bit for bit as
 * {@code /v1/infer} outputs do. The node writes each float as the double it equals, so the JSON numbers read back
 * to the very same float bits.
 */
public final class EmbeddingDigests {
    public static final String PATH = "/v1/embeddings";

    private EmbeddingDigests() {}

    /** The answer as the two tensors its receipt signs; {@code vectors[i]} is input {@code i}'s embedding. */
    public static List<Tensor> outputs(float[][] vectors, long promptTokens) {
        int n = vectors.length;
        int dim = n == 0 ? 0 : vectors[0].length;
        float[] flat = new float[n * dim];
        for (int i = 0; i < n; i++) {
            if (vectors[i].length != dim) {
                throw new IllegalArgumentException("embedding " + i + " has " + vectors[i].length + " dimensions, the first " + dim);
            }
            System.arraycopy(vectors[i], 0, flat, i * dim, dim);
        }
        return List.of(Tensor.ofFloats("embeddings", Shape.of(n, dim), flat),
                Tensor.ofLongs("usage", Shape.of(2), promptTokens, promptTokens));
    }

    /**
     * The tensors of an answer as a node sent it or a client saved it: {@code data[i].embedding} (numbers, or base64
     * of little-endian float32) in {@code index} order, and {@code usage}.
     *
     * @throws IllegalArgumentException naming what is malformed (missing index, unequal lengths, bad base64...)
     */
    public static List<Tensor> outputs(JsonNode response) {
        JsonNode data = response.path("data");
        if (!data.isArray()) throw new IllegalArgumentException("data must be an array");
        float[][] vectors = new float[data.size()][];
        for (JsonNode d : data) {
            JsonNode index = d.path("index");
            if (!index.canConvertToInt() || index.asInt() < 0 || index.asInt() >= vectors.length || vectors[index.asInt()] != null) {
                throw new IllegalArgumentException("data[].index must number the embeddings 0.." + (vectors.length - 1) + " once each, got " + index);
            }
            vectors[index.asInt()] = vector(d.path("embedding"));
        }
        JsonNode usage = response.path("usage");
        long prompt = usage.path("prompt_tokens").asLong(-1);
        if (prompt < 0 || usage.path("total_tokens").asLong(-1) != prompt) {
            throw new IllegalArgumentException("usage must hold prompt_tokens = total_tokens >= 0, got " + usage);
        }
        return outputs(vectors, prompt);
    }

    /** The response digest of an answer (see the class doc). */
    public static Keccak256 response(JsonNode response) {
        return TensorDigests.tensorsDigest(outputs(response));
    }

    private static float[] vector(JsonNode e) {
        if (e.isTextual()) {
            byte[] b;
            try {
                b = Base64.getDecoder().decode(e.asText());
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("embedding is not base64: " + bad.getMessage());
            }
            if (b.length % 4 != 0) throw new IllegalArgumentException("a base64 embedding must hold whole float32s, got " + b.length + " bytes");
            float[] v = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return v;
        }
        if (!e.isArray()) throw new IllegalArgumentException("embedding must be an array of numbers or a base64 string");
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode x = e.get(i);
            if (!x.isNumber()) throw new IllegalArgumentException("embedding[" + i + "] must be a number, got " + x);
            v[i] = (float) x.asDouble();
        }
        return v;
    }

    /** Little-endian float32 in base64: OpenAI's {@code encoding_format: "base64"}. */
    public static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
