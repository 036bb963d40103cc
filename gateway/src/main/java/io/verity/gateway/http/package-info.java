/**
 * The gateway's HTTP API (docs/gateway.md) and metrics, wired by {@link io.verity.gateway.Gateway} from
 * {@link io.verity.gateway.http.Services}. Only the root package depends on it; every error leaves as problem+json.
 */
package io.verity.gateway.http;
