package io.verity.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** The assertion every engine's tests make about refusals: which {@link EngineException.Kind} a call fails with. */
public final class EngineAssertions {
    private EngineAssertions() {}

    /** Asserts that {@code call} throws an {@link EngineException} of {@code kind}; chain the message checks on. */
    public static AbstractThrowableAssert<?, ? extends Throwable> assertFailsAs(EngineException.Kind kind, ThrowingCallable call) {
        return assertThatThrownBy(call).isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }
}
