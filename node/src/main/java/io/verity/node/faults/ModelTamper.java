package io.verity.node.faults;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Test-only ({@link Faults#tamperWeight()}): a copy of an ONNX model with the first element of one float32
 * weight nudged by 2^-10, the weight read by the node nearest the middle of the graph that reads one (an
 * initializer, or a Constant node's value as Paddle2ONNX stores weights). The change is small enough that the
 * outputs look plausible and large enough that every later trace digest differs.
 */
public final class ModelTamper {
    private ModelTamper() {}

    /** Writes the tampered copy to {@code out} (once; reused afterwards) and returns it. */
    public static Path tampered(Path model, Path out) throws IOException {
        if (Files.exists(out)) return out;
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(model));
        GraphProto g = proto.getGraph();
        GraphProto.Builder gb = g.toBuilder();
        int mid = g.getNodeCount() / 2;
        for (int d = 0; d < g.getNodeCount(); d++) {
            for (int i : new int[] {mid + d, mid - d - 1}) {
                if (i < 0 || i >= g.getNodeCount()) continue;
                if (nudgeConstant(gb, i) || nudgeInitializerOf(gb, i)) {
                    Path tmp = Files.createTempFile(out.getParent(), ".tampered", ".onnx");
                    Files.write(tmp, proto.toBuilder().setGraph(gb).build().toByteArray());
                    return Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
        throw new IOException(model + " has no float32 weight to tamper with");
    }

    private static boolean nudgeConstant(GraphProto.Builder g, int node) {
        var n = g.getNode(node);
        if (!n.getOpType().equals("Constant")) return false;
        for (int a = 0; a < n.getAttributeCount(); a++) {
            if (n.getAttribute(a).hasT() && nudgeable(n.getAttribute(a).getT())) {
                var nb = n.toBuilder();
                nb.setAttribute(a, nb.getAttribute(a).toBuilder().setT(nudge(nb.getAttribute(a).getT())));
                g.setNode(node, nb);
                return true;
            }
        }
        return false;
    }

    private static boolean nudgeInitializerOf(GraphProto.Builder g, int node) {
        for (String in : g.getNode(node).getInputList()) {
            for (int i = 0; i < g.getInitializerCount(); i++) {
                if (g.getInitializer(i).getName().equals(in) && nudgeable(g.getInitializer(i))) {
                    g.setInitializer(i, nudge(g.getInitializer(i)));
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean nudgeable(TensorProto t) {
        return t.getDataType() == TensorProto.DataType.FLOAT_VALUE && (t.getFloatDataCount() > 0 || t.getRawData().size() >= 4);
    }

    private static TensorProto nudge(TensorProto t) {
        if (t.getRawData().isEmpty()) return t.toBuilder().setFloatData(0, t.getFloatData(0) + 0x1p-10f).build();
        ByteBuffer raw = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        raw.putFloat(0, raw.getFloat(0) + 0x1p-10f);
        return t.toBuilder().setRawData(ByteString.copyFrom(raw.array())).build();
    }
}
