package io.verity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.testing.NetNamespaces.Host;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** The separate-hosts fixture itself: what a host reaches, a cut and a restore, and that nothing is left behind. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class NetNamespacesTest {
    static final Duration CONNECT = Duration.ofSeconds(3);

    @BeforeAll
    static void needsNamespaces() {
        var why = NetNamespaces.unavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "needs network namespaces: " + why.orElse(""));
    }

    /** Whether {@code host} opens a TCP connection to {@code address:port} within {@link #CONNECT} (bash's /dev/tcp). */
    static boolean connects(Host host, String address, int port) throws Exception {
        return host.run(CONNECT.plusSeconds(2), "timeout", Long.toString(CONNECT.toSeconds()), "bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + port) == 0;
    }

    @Test
    void a_host_reaches_the_bridge_but_not_the_machines_loopback_and_a_cut_link_reaches_nothing_until_restored() throws Exception {
        try (NetNamespaces net = NetNamespaces.create();
             ServerSocket onBridge = new ServerSocket();
             ServerSocket onLoopback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Host a = net.host("a");
            onBridge.bind(new InetSocketAddress(net.rootAddress(), 0));
            assertThat(a.address()).startsWith(net.rootAddress().substring(0, net.rootAddress().lastIndexOf('.') + 1));

            assertThat(connects(a, net.rootAddress(), onBridge.getLocalPort())).as("a reaches the test's host on the bridge").isTrue();
            assertThat(connects(a, "127.0.0.1", onLoopback.getLocalPort())).as("a reaches the machine's loopback").isFalse();

            net.cut(a);
            assertThat(connects(a, net.rootAddress(), onBridge.getLocalPort())).as("a reaches the bridge while cut").isFalse();
            net.restore(a);
            assertThat(connects(a, net.rootAddress(), onBridge.getLocalPort())).as("a reaches the bridge once restored").isTrue();
        }
    }

    @Test
    void closing_removes_the_namespaces_with_their_processes_and_create_removes_those_of_a_dead_jvm() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String stale = "vty" + gone.pid() + "n1-x"; // as a JVM that died with its namespaces left would have named them
        ip("netns", "add", stale);

        String namespace;
        Process sleeper;
        try (NetNamespaces net = NetNamespaces.create()) {
            assertThat(namespaces()).as("create() removed the dead JVM's namespace").doesNotContain(stale);
            Host b = net.host("b");
            namespace = b.namespace();
            sleeper = new ProcessBuilder(b.exec().get(0), "netns", "exec", namespace, "sleep", "600").start();
            assertThat(namespaces()).contains(namespace);
        }
        assertThat(namespaces()).doesNotContain(namespace);
        assertThat(sleeper.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).as("the process on the closed host ended").isTrue();
    }

    static String namespaces() throws Exception {
        return ip("netns", "list");
    }

    static String ip(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }
}
