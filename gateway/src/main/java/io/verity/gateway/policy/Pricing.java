package io.verity.gateway.policy;

/**
 * What an answer is worth in units of a node's registered price: 1 for a tensor answer, the tokens its signed
 * usage counts for a language model. An answer is paid the lower of the price its receipt signs and its node's
 * registered price times these units, so a node cannot charge more by signing a higher price.
 */
@FunctionalInterface
public interface Pricing<A extends Answer> {
    long units(A answer);
}
