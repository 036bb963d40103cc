/**
 * Text in, vectors out: {@link io.verity.engine.text.WordPieceTokenizer} (BERT uncased, read from a HuggingFace
 * {@code tokenizer.json}, pure Java), {@link io.verity.engine.text.SentenceEmbedder} (tokenize, run a
 * {@link io.verity.engine.LoadedModel} on either engine, mean-pool, L2-normalise) and
 * {@link io.verity.engine.text.TextModel} (the bundled models, their Maven coordinates, licence and sha256).
 *
 * <p>Above the engines: this package uses only the engine API ({@code io.verity.engine}), never {@code det.*} or
 * {@code onnxruntime}, so the same embedder runs under ONNX Runtime and the deterministic engine. Under the
 * deterministic engine the whole path is bit-exact: the tokenizer is integer work and the pooling is fixed-order
 * Java arithmetic.
 */
package io.verity.engine.text;
