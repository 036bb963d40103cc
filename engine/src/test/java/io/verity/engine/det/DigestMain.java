package io.verity.engine.det;

import io.verity.engine.Inference;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Tensor;
import java.io.ByteArrayOutputStream;

/**
 * Child-JVM entry point of {@link CrossJvmDeterminismIT}: prints one line per real model,
 * {@code name|keccak of output bytes|traceRoot}. Arguments: threads, then the model names to run, each optionally
 * as {@code name=digest} (the file's keccak, the id the engine is given: hashing megabytes of model again in every
 * child, in the interpreter too, is not what the children check); the engine id is {@code -Dverity.det.id} (default
 * {@link DeterministicEngine#ID}).
 */
public final class DigestMain {
    public static void main(String[] args) throws Exception {
        String id = System.getProperty("verity.det.id", DeterministicEngine.ID);
        java.util.Map<String, Keccak256> given = new java.util.HashMap<>();
        for (String a : java.util.Arrays.copyOfRange(args, 1, args.length)) {
            int eq = a.indexOf('=');
            given.put(eq < 0 ? a : a.substring(0, eq), eq < 0 ? null : Keccak256.parse(a.substring(eq + 1)));
        }
        System.out.print(digests(id, Integer.parseInt(args[0]), 1, given::containsKey, given));
    }

    static String digests(int threads, String[] names) throws Exception {
        return digests(threads, 1, java.util.List.of(names)::contains);
    }

    static String digests(int threads, int scale, java.util.function.Predicate<String> wanted) throws Exception {
        return digests(DeterministicEngine.ID, threads, scale, wanted);
    }

    /** {@code name|keccak256(output bytes)|traceRoot} per wanted model, inputs of {@code RealModels.all(scale)}. */
    static String digests(String id, int threads, int scale, java.util.function.Predicate<String> wanted) throws Exception {
        return digests(id, threads, scale, wanted, java.util.Map.of());
    }

    /** As above, with the model files' digests where {@code given} has them (non-null), hashed here otherwise. */
    static String digests(String id, int threads, int scale, java.util.function.Predicate<String> wanted,
            java.util.Map<String, Keccak256> given) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (DeterministicEngine e = DeterministicEngine.create(threads, true, id)) {
            for (RealModels.Case c : RealModels.all(scale)) {
                if (!wanted.test(c.name())) continue;
                Keccak256 digest = given.get(c.name());
                DeterministicModel m = e.load(digest != null ? digest : c.digest(), c.file());
                Inference out = m.run(RealModels.bind(m, c.inputs()));
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (Tensor t : out.outputs()) bytes.write(t.dataBytes());
                sb.append(c.name()).append('|').append(Keccak256.hash(bytes.toByteArray())).append('|').append(out.traceRoot()).append('\n');
            }
        }
        return sb.toString();
    }
}
