/**
 * The HTTP hardening that node, gateway and explorer share (all Javalin 7 on Jetty 12): one set of
 * {@link io.verity.http.HttpLimits} with their flags, applied by {@link io.verity.http.ServerHardening}; one way
 * to read a request body ({@link io.verity.http.RequestBodies}: content type, size, transport errors, the
 * protocol's {@code StrictJson}); a 429 gate per route group ({@link io.verity.http.RouteGate}); and one writer
 * of the protocol's RFC 9457 {@code Problem} ({@link io.verity.http.ProblemResponses}). Failures are
 * {@link io.verity.http.HttpFailure}s, each a {@code Problem} of the protocol's one list of
 * {@code ProblemKind}s, so one client reads all three.
 */
package io.verity.http;
