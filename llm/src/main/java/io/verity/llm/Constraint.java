package io.verity.llm;

/**
 * What the sampled text must match: a GBNF grammar, or a JSON Schema that llama.cpp turns into one (in the
 * worker, where the native library lives). Exactly one is set.
 */
public record Constraint(String grammar, String jsonSchema) {
    public Constraint {
        if ((grammar == null) == (jsonSchema == null)) throw new IllegalArgumentException("give a grammar or a JSON schema");
    }

    public static Constraint grammar(String gbnf) {
        return new Constraint(gbnf, null);
    }

    public static Constraint jsonSchema(String schema) {
        return new Constraint(null, schema);
    }
}
