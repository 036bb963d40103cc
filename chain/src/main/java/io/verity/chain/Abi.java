package io.verity.chain;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Array;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.NumericType;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Decodes custom errors (by 4-byte selector) and events (by topic 0) of every Verity contract, driven by the
 * compiled ABIs, so a revert from a nested call (Settlement -> NodeRegistry) is named too.
 */
@SuppressWarnings({"rawtypes", "unchecked"}) // web3j's ABI API traffics in raw Type (List<Type>)
final class Abi {
    private record Param(String name, String type, boolean indexed) {}

    private record Def(String name, List<Param> params) {}

    private static final Abi ALL = new Abi();

    private final Map<String, Def> errors = new HashMap<>();
    private final Map<String, Def> events = new HashMap<>();

    private Abi() {
        for (String contract : ContractArtifact.ALL) {
            for (JsonNode item : ContractArtifact.load(contract).abi()) {
                String kind = item.path("type").asText();
                if (!kind.equals("error") && !kind.equals("event")) continue;
                List<Param> params = new ArrayList<>();
                for (JsonNode in : item.path("inputs")) {
                    params.add(new Param(in.path("name").asText(), in.path("type").asText(), in.path("indexed").asBoolean()));
                }
                Def def = new Def(item.path("name").asText(), params);
                Keccak256 hash = Keccak256.hash(signature(def).getBytes(StandardCharsets.US_ASCII));
                if (kind.equals("error")) errors.put(hash.toHex().substring(0, 10), def);
                else events.put(hash.toHex(), def);
            }
        }
        errors.put("0x08c379a0", new Def("Error", List.of(new Param("reason", "string", false))));
        errors.put("0x4e487b71", new Def("Panic", List.of(new Param("code", "uint256", false))));
    }

    static Abi all() {
        return ALL;
    }

    private static String signature(Def def) {
        return def.name() + "(" + String.join(",", def.params().stream().map(Param::type).toList()) + ")";
    }

    /** Decodes revert data (selector ‖ args); unknown selectors give the name "unknown(0x12345678)". */
    TxOutcome.Reverted revert(String data, Optional<Keccak256> txHash) {
        if (data == null || data.length() < 10) return new TxOutcome.Reverted("", List.of(), txHash);
        String selector = data.substring(0, 10).toLowerCase();
        Def def = errors.get(selector);
        if (def == null) return new TxOutcome.Reverted("unknown(" + selector + ")", List.of(data), txHash);
        List<Type> decoded = FunctionReturnDecoder.decode("0x" + data.substring(10), refs(def.params()));
        return new TxOutcome.Reverted(def.name(), decoded.stream().map(Abi::toJava).toList(), txHash);
    }

    /** The event a log encodes, when it is one of ours. */
    Optional<ChainEvent> event(Log log) {
        if (log.getTopics().isEmpty()) return Optional.empty();
        Def def = events.get(log.getTopics().getFirst().toLowerCase());
        if (def == null) return Optional.empty();
        List<Param> plain = def.params().stream().filter(p -> !p.indexed()).toList();
        List<Type> data = FunctionReturnDecoder.decode(log.getData(), refs(plain));
        Map<String, Object> args = new LinkedHashMap<>();
        int topic = 1;
        int next = 0;
        for (Param p : def.params()) {
            if (p.indexed()) {
                String t = log.getTopics().get(topic++);
                args.put(p.name(), isDynamic(p.type()) ? Keccak256.parse(t) : toJava(FunctionReturnDecoder.decodeIndexedValue(t, ref(p.type()))));
            } else {
                args.put(p.name(), toJava(data.get(next++)));
            }
        }
        long block = log.getBlockNumber() == null ? -1 : log.getBlockNumber().longValueExact();
        return Optional.of(new ChainEvent(def.name(), EvmAddress.parse(log.getAddress()), block, args));
    }

    private static boolean isDynamic(String type) {
        return type.equals("string") || type.equals("bytes") || type.endsWith("]");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<TypeReference<Type>> refs(List<Param> params) {
        List<TypeReference<Type>> refs = new ArrayList<>();
        for (Param p : params) refs.add(ref(p.type()));
        return refs;
    }

    @SuppressWarnings("rawtypes")
    private static TypeReference ref(String type) {
        try {
            return TypeReference.makeTypeReference(type);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("unsupported ABI type " + type, e);
        }
    }

    /** web3j ABI value -> Verity value type or plain Java value. */
    static Object toJava(Type<?> t) {
        return switch (t) {
            case Address a -> EvmAddress.parse(a.getValue());
            case Bytes32 b -> Keccak256.wrap(b.getValue());
            case NumericType n -> n.getValue();
            case Bool b -> b.getValue();
            case Utf8String s -> s.getValue();
            case DynamicBytes b -> b.getValue();
            case Array<?> arr -> arr.getValue().stream().map(Abi::toJava).toList();
            default -> t.getValue();
        };
    }
}
