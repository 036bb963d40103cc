package io.verity.llm;

/**
 * What llama.cpp generated.
 *
 * @param text the generated text, stop string excluded
 * @param prompt the prompt the model saw (the chat template applied to the messages)
 * @param promptTokens tokens of {@code prompt}, BOS included
 * @param completionTokens tokens sampled
 * @param finishReason {@code length} when max_tokens ended it, else {@code stop} (end of sequence or a stop string)
 */
public record Completion(String text, String prompt, int promptTokens, int completionTokens, String finishReason) {}
