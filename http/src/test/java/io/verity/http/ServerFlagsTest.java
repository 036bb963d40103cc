package io.verity.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ServerFlagsTest {
    @Test
    void shared_flags_are_read_here_and_the_mains_own_handed_over_in_order() {
        ServerFlags f = new ServerFlags(new String[] {"--home", "h", "--own", "1", "--port", "8080", "--max-body-bytes", "4096",
                "--deployment", "d.json", "--other", "x", "--rpc", "http://r", "--host", "0.0.0.0"});
        List<String> own = new ArrayList<>();
        while (f.next()) own.add(f.flag() + "=" + f.value());
        assertThat(own).containsExactly("--own=1", "--other=x");
        assertThat(f.home()).isEqualTo(Path.of("h"));
        assertThat(f.deployment()).isEqualTo(Path.of("d.json"));
        assertThat(f.rpc()).isEqualTo("http://r");
        assertThat(f.host()).isEqualTo("0.0.0.0");
        assertThat(f.port()).isEqualTo(8080);
        assertThat(f.limits().maxBodyBytes()).isEqualTo(4096);
    }

    @Test
    void defaults_and_errors_name_the_flag() {
        ServerFlags none = new ServerFlags(new String[0]);
        assertThat(none.next()).isFalse();
        assertThat(none.host()).isEqualTo("127.0.0.1");
        assertThat(none.port()).isZero();
        assertThat(none.rpc()).isNull();
        assertThat(none.limits()).isEqualTo(HttpLimits.DEFAULT);
        assertThatThrownBy(none::home).hasMessage("--home is required");
        assertThatThrownBy(none::deployment).hasMessage("--deployment is required");
        assertThatThrownBy(() -> new ServerFlags(new String[] {"--port"}).next()).hasMessage("--port needs a value");
        assertThatThrownBy(() -> new ServerFlags(new String[] {"--port", "x"}).next()).hasMessage("--port expects a number, got 'x'");
        ServerFlags own = new ServerFlags(new String[] {"--poll-ms", "soon"});
        assertThat(own.next()).isTrue();
        assertThat(own.notANumber()).hasMessage("--poll-ms expects a number, got 'soon'");
        assertThat(own.unknown()).hasMessage("unknown argument --poll-ms");
    }
}
