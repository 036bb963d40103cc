/**
 * The OpenAI-compatible routes ({@code /v1/chat/completions}, {@code /v1/completions}) as an HTTP adapter over the
 * policy engine: request parsing, the checked stream relay, OpenAI's answer and error shapes.
 */
package io.verity.gateway.openai;
