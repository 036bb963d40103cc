/**
 * The model hub: a content-addressed local store of ONNX models ({@link io.verity.node.hub.ModelHub}), their
 * manifests ({@link io.verity.node.hub.Manifest}) and fetching a model from another node
 * ({@link io.verity.node.hub.ModelFetcher}).
 *
 * <p>A model's identity is keccak256 of its file bytes; names and versions are labels bound to a digest.
 * Nothing is trusted from outside: a fetched file is hashed as it streams and refused when the digest
 * differs, and its schema is read from the bytes, not from the remote manifest. Failures are
 * {@link io.verity.node.hub.HubException} cases; arguments are non-null unless documented otherwise.
 */
package io.verity.node.hub;
