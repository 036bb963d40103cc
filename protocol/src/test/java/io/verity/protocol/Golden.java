package io.verity.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;

/** Loads golden vectors from src/test/resources/golden; a missing file fails the test, it never skips. */
public final class Golden {
    private Golden() {}

    public static JsonNode load(String path) {
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + path)) {
            if (in == null) throw new IllegalStateException("golden vectors missing: src/test/resources/golden/" + path);
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read golden/" + path, e);
        }
    }
}
