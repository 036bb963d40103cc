package io.verity.llm;

import java.util.Objects;
import java.util.Set;

/** One chat turn as the model's chat template sees it. */
public record ChatMessage(String role, String content) {
    public static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (!ROLES.contains(role)) throw new IllegalArgumentException("role must be one of " + ROLES + ", got '" + role + "'");
    }
}
