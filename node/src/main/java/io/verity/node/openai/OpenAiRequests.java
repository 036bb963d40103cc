package io.verity.node.openai;

import io.verity.protocol.json.InvalidFieldException;

/**
 * The node's OpenAI request parser as a pure function, for fuzzing (Jazzer): the same checks a chat or completion
 * request gets on its route (strict JSON, every field, {@code response_format} and tool schemas against what
 * llama.cpp can convert), without a model to run it on. Any input is accepted or refused with
 * {@link InvalidFieldException}; any other exception is a bug.
 */
public final class OpenAiRequests {
    private OpenAiRequests() {}

    /**
     * @param chat true for {@code /v1/chat/completions}, false for {@code /v1/completions}
     * @throws InvalidFieldException naming the refused field (pointer "" for the body as a whole) and why
     */
    public static void check(byte[] body, boolean chat) {
        try {
            OpenAiApi.parseOnly(body, chat);
        } catch (OpenAiApi.OpenAiException e) {
            throw new InvalidFieldException(e.problem().errors().isEmpty() ? "" : e.problem().errors().getFirst().pointer(), e.getMessage());
        }
    }
}
