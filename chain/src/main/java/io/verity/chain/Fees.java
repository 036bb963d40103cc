package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthFeeHistory;
import org.web3j.protocol.core.methods.response.EthMaxPriorityFeePerGas;

/**
 * What a transaction offers per gas. On a chain with a base fee (EIP-1559): {@code maxFeePerGas} and
 * {@code priorityFee}; on a chain without one (legacy): {@code maxFeePerGas} is the gas price and
 * {@code priorityFee} is null.
 */
record Fees(BigInteger maxFeePerGas, BigInteger priorityFee) {
    private static final BigInteger ONE_GWEI = BigInteger.TEN.pow(9);

    boolean legacy() {
        return priorityFee == null;
    }

    /**
     * Today's fees: the next block's base fee (from eth_feeHistory) twice over, so the transaction survives six
     * full blocks of base-fee rises, plus the priority fee the node suggests (eth_maxPriorityFeePerGas, else the
     * median tip of recent blocks, else 1 gwei); each capped by the policy. Legacy pricing (eth_gasPrice) only
     * when the chain reports no base fee.
     */
    static Fees current(Web3j web3j, TxPolicy policy) throws IOException {
        EthFeeHistory history = web3j.ethFeeHistory(5, DefaultBlockParameterName.LATEST, List.of(50.0)).send();
        List<BigInteger> baseFees = history.hasError() || history.getFeeHistory() == null ? List.of()
                : history.getFeeHistory().getBaseFeePerGas();
        if (baseFees == null || baseFees.isEmpty()) {
            var price = web3j.ethGasPrice().send();
            if (price.hasError()) throw new ChainException("eth_gasPrice failed: " + price.getError().getMessage());
            return new Fees(price.getGasPrice().min(policy.maxFeePerGasCap()), null);
        }
        BigInteger nextBase = baseFees.getLast(); // the entry after the newest block is the next block's base fee
        BigInteger tip = suggestedTip(web3j, history).min(policy.priorityFeeCap()).min(policy.maxFeePerGasCap());
        BigInteger max = nextBase.shiftLeft(1).add(tip).min(policy.maxFeePerGasCap());
        return new Fees(max, tip);
    }

    private static BigInteger suggestedTip(Web3j web3j, EthFeeHistory history) throws IOException {
        EthMaxPriorityFeePerGas suggested = web3j.ethMaxPriorityFeePerGas().send();
        if (!suggested.hasError() && suggested.getMaxPriorityFeePerGas() != null) return suggested.getMaxPriorityFeePerGas();
        List<List<BigInteger>> rewards = history.getFeeHistory().getReward();
        if (rewards == null || rewards.isEmpty()) return ONE_GWEI;
        List<BigInteger> medians = rewards.stream().filter(r -> !r.isEmpty()).map(List::getFirst).sorted().toList();
        return medians.isEmpty() ? ONE_GWEI : medians.get(medians.size() / 2);
    }

    /**
     * Fees for a replacement of a transaction sent with these: at least 12.5% more on both (nodes demand 10%), or
     * today's fees when higher; empty when the policy's caps leave no room for a 10% rise.
     */
    java.util.Optional<Fees> bumped(Fees now, TxPolicy policy) {
        BigInteger max = raise(maxFeePerGas).max(now.maxFeePerGas).min(policy.maxFeePerGasCap());
        if (!atLeastTenPercentAbove(max, maxFeePerGas)) return java.util.Optional.empty();
        if (legacy()) return java.util.Optional.of(new Fees(max, null));
        BigInteger tip = raise(priorityFee).max(now.legacy() ? BigInteger.ZERO : now.priorityFee)
                .min(policy.priorityFeeCap()).min(max);
        if (!atLeastTenPercentAbove(tip, priorityFee)) return java.util.Optional.empty();
        return java.util.Optional.of(new Fees(max, tip));
    }

    private static BigInteger raise(BigInteger v) {
        return v.multiply(BigInteger.valueOf(9)).divide(BigInteger.valueOf(8)).add(BigInteger.ONE);
    }

    private static boolean atLeastTenPercentAbove(BigInteger v, BigInteger old) {
        return v.multiply(BigInteger.TEN).compareTo(old.multiply(BigInteger.valueOf(11))) >= 0;
    }
}
