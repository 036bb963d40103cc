/**
 * OpenAI's {@code POST /v1/embeddings} on a node: the sentence-embedding models of its hub that Verity knows
 * ({@link io.verity.node.embed.EmbeddingModels}, pinned by sha256, tokenizer from the model's jar) and the route
 * ({@link io.verity.node.embed.EmbeddingsApi}), which signs a receipt over the request digest and the answer's
 * tensors ({@link io.verity.llm.EmbeddingDigests}) through the OpenAI routes' signing path.
 */
package io.verity.node.embed;
