package io.verity.cli.verify;

import io.verity.attestation.Attestations;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.Facts;
import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verity attest verify FILE [--with FILE ...] [--policy F] [--at TIME] [--kind K]}: checks TEE evidence
 * directly. Exit 0 valid, 1 rejected (the failing step is printed), 2 usage error or unreadable input.
 */
@Command(name = "attest", description = "TEE attestation evidence.", mixinStandardHelpOptions = true,
        subcommands = {AttestCommand.Verify.class})
public final class AttestCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify AWS Nitro, Intel TDX/SGX, AMD SEV-SNP or NVIDIA H100 evidence.",
                "The format is detected from the bytes (raw, hex or base64).",
                "Exit codes: 0 valid, 1 rejected (failing step printed), 2 usage error."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The evidence: document, quote or report.")
        Path file;

        @Option(names = "--with", paramLabel = "FILE", description = "Certificates or collateral: VCEK/ASK/ARK, DCAP"
                + " collateral JSON, NVIDIA certificate chain, RIMs. Repeatable.")
        List<Path> with = new ArrayList<>();

        @Option(names = "--policy", paramLabel = "F", description = "Policy JSON: measurements, allowDebug, maxAge,"
                + " nonce, keyBinding, acceptedTcbStatuses.")
        Path policyFile;

        @Option(names = "--at", paramLabel = "TIME", description = "Verify as of this ISO-8601 instant (default: now).")
        String at;

        @Option(names = "--kind", paramLabel = "K", description = "Expected family: nitro, tdx, sgx, sev-snp, nvidia.")
        String kind;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            byte[] evidence;
            List<byte[]> extras = new ArrayList<>();
            Policy policy = Policy.defaults();
            Instant when;
            Optional<EvidenceKind> expected = Optional.empty();
            try {
                evidence = read(file, "FILE");
                for (Path p : with) extras.add(read(p, "--with"));
                if (policyFile != null) {
                    policy = Policy.fromJson(new String(read(policyFile, "--policy"), StandardCharsets.UTF_8));
                }
                when = at == null ? Instant.now() : parseInstant(at);
                if (kind != null) {
                    expected = Optional.of(EvidenceKind.byId(kind).orElseThrow(() -> new IllegalArgumentException(
                            "--kind must be one of nitro, tdx, sgx, sev-snp, nvidia, got " + kind)));
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Verdict v = Attestations.verify(evidence, expected, policy, extras, when);
            switch (v) {
                case Verdict.Valid ok -> {
                    out.println("valid: " + ok.kind().id() + " evidence, verified as of " + when);
                    out.println("checked: " + steps(ok.passed()));
                    print(out, ok.facts());
                    out.flush();
                    return 0;
                }
                case Verdict.Rejected r -> {
                    out.println("rejected at " + r.failed().id() + ": " + r.reason());
                    out.println("kind: " + r.kind().map(EvidenceKind::id).orElse("unknown"));
                    out.println("passed: " + (r.passed().isEmpty() ? "none" : steps(r.passed())));
                    r.facts().ifPresent(f -> print(out, f));
                    out.flush();
                    return 1;
                }
            }
        }

        private byte[] read(Path p, String option) {
            try {
                return Files.readAllBytes(p);
            } catch (IOException e) {
                throw new IllegalArgumentException(option + " " + p + " cannot be read: " + e.getMessage());
            }
        }

        static Instant parseInstant(String s) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                try {
                    return OffsetDateTime.parse(s).toInstant();
                } catch (DateTimeParseException e2) {
                    throw new IllegalArgumentException("--at must be an ISO-8601 instant like 2026-02-12T18:00:00Z,"
                            + " got " + s);
                }
            }
        }

        private static String steps(List<Step> steps) {
            return steps.stream().map(Step::id).collect(Collectors.joining(", "));
        }

        private static void print(PrintWriter out, Facts f) {
            f.timestamp().ifPresent(t -> out.println("timestamp: " + t));
            f.tcbStatus().ifPresent(s -> out.println("tcb_status: " + s));
            if (!f.advisories().isEmpty()) out.println("advisories: " + String.join(", ", f.advisories()));
            out.println("debug: " + f.debug());
            f.attributes().forEach((k, val) -> out.println(k + ": " + val));
            f.measurements().forEach((k, val) -> out.println(k + ": " + val));
            f.reportData().ifPresent(b -> out.println("report_data: " + b));
            f.publicKey().ifPresent(b -> out.println("public_key: " + b));
            f.userData().ifPresent(b -> out.println("user_data: " + b));
            f.nonce().ifPresent(b -> out.println("nonce: " + b));
        }
    }
}
