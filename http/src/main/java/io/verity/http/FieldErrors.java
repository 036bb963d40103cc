package io.verity.http;

/** The gateway's old name of {@link io.verity.protocol.json.FieldErrors}; goes when the gateway imports that one. */
@Deprecated(forRemoval = true)
public final class FieldErrors extends io.verity.protocol.json.FieldErrors {}
