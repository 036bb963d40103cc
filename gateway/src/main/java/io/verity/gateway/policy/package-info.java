/**
 * The one policy engine for every kind of answer: {@link io.verity.gateway.policy.PolicyEngine} runs none, tee,
 * sample:p and redundant:k (failover, hedging, quorum, audits, quarantine, payment) over three small interfaces:
 * {@link io.verity.gateway.policy.NodeCall} (ask one node), {@link io.verity.gateway.policy.Agreement} (are two answers
 * the same) and {@link io.verity.gateway.policy.Pricing} (what an answer is worth). It knows no HTTP and no kind of
 * answer; time and audit draws are injected. {@link io.verity.gateway.policy.NodeResult#source} is the failure
 * taxonomy: a failure the node blames on the request is never carried to another node.
 */
package io.verity.gateway.policy;
