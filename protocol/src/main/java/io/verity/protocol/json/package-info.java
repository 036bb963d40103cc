/**
 * The JSON wire forms of tensors ({@link io.verity.protocol.json.TensorJson}) and signed receipts
 * ({@link io.verity.protocol.json.ReceiptJson}), on Jackson trees and generators.
 *
 * <p>Readers take the JSON Pointer of the node they read, and throw one
 * {@link io.verity.protocol.json.InvalidFieldException} listing every problem as (pointer, detail) pairs, e.g.
 * {@code /inputs/0/shape/1: must be an integer >= 0, got -3}; the HTTP layer maps it to RFC 9457 problem+json.
 * Members a reader does not know are ignored.
 * Bodies are read by {@link io.verity.protocol.json.StrictJson}, the one reading policy of every route. Writers never fail on a valid value.
 */
package io.verity.protocol.json;
