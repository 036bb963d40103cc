package io.verity.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The real evidence in ../shared/vectors/attestation (read in place, never copied), see its MANIFEST.md. */
public final class Vectors {
    private Vectors() {}

    /**
     * {@link TestPaths#shared()} (../shared beside the repository); from a git worktree nested deeper (e.g.
     * /work/wt/NAME) the nearest ancestor holding shared/vectors/attestation.
     */
    public static Path dir() {
        Path primary = TestPaths.shared().resolve("vectors/attestation");
        if (Files.isDirectory(primary)) return primary;
        for (Path p = TestPaths.repoRoot(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/vectors/attestation");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException(primary + " is missing (the shared attestation vectors)");
    }

    public static byte[] read(String relative) {
        try {
            return Files.readAllBytes(dir().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String N1 = "nitro/opengradient-og-evm-2026-02-12.b64";
    static final String N2 = "nitro/blocky-nitrite-2024-09-07.b64";
    static final String N3 = "nitro/blocky-nitrite-2024-09-07-debug.b64";
    static final String N4 = "nitro/blocky-nitrite-selfsigned.b64";
    static final String N6 = "nitro/evervault-2022-10-13.cbor";
    static final String N7 = "nitro/evervault-2022-10-12-debug.cbor";
    static final String N9 = "nitro/anjuna-2021-03-17-prod.cbor";
    static final String T1 = "tdx/phala-dcap-qvl-tdx-v4-quote.bin";
    static final String T1_COLLATERAL = "tdx/phala-dcap-qvl-tdx-v4-quote.collateral.json";
    static final String S1 = "sgx/phala-dcap-qvl-sgx-v3-quote.bin";
    static final String S1_COLLATERAL = "sgx/phala-dcap-qvl-sgx-v3-quote.collateral.json";
    static final String P1 = "sev-snp/virtee-milan-report.hex";
    static final String P1_VCEK = "sev-snp/virtee-milan-vcek.der";
    static final String ARK = "sev-snp/amd-milan-ark.pem";
    static final String ASK = "sev-snp/amd-milan-ask.pem";
    static final String G1 = "nvidia/nvtrust-hopper-attestation-report.txt";
    static final String G1_CHAIN = "nvidia/nvtrust-hopper-cert-chain.pem";
    static final String RIM_DRIVER = "nvidia/nvtrust-Driver_RIM_test_no_gpu.swidtag";
    static final String RIM_VBIOS = "nvidia/nvtrust-1010_0200_882_96005E0001_test_no_gpu.swidtag";

    static final Instant N1_AT = Instant.parse("2026-02-12T18:00:00Z");
    static final Instant T1_AT = Instant.parse("2025-07-19T10:00:34Z");
    static final Instant S1_AT = Instant.parse("2025-07-19T10:01:17Z");
    static final Instant P1_AT = Instant.parse("2024-01-01T00:00:00Z");
    static final Instant G1_AT = Instant.parse("2025-01-01T00:00:00Z");

    static Verdict verify(byte[] evidence, Policy policy, Instant at, byte[]... extras) {
        return Attestations.verify(evidence, Optional.empty(), policy, List.of(extras), at);
    }

    static Verdict verify(String file, Instant at, String... extras) {
        byte[][] ex = new byte[extras.length][];
        for (int i = 0; i < extras.length; i++) ex[i] = read(extras[i]);
        return verify(read(file), Policy.defaults(), at, ex);
    }

    /** Each measurement {@code expected} names (name to hex) is in {@code f} with that value, as MANIFEST.md states it. */
    static void assertMeasurements(Facts f, Map<String, String> expected) {
        expected.forEach((name, hex) -> assertThat(f.measurement(name)).as(name).contains(Bytes.ofHex(hex)));
    }

    static byte[] snpExtras(int i) {
        return read(List.of(P1_VCEK, ASK, ARK).get(i));
    }
}
