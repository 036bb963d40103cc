package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TensorJsonTest {
    static final ObjectMapper MAPPER = new ObjectMapper();

    static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static List<FieldError> errors(String json) {
        try {
            TensorJson.readList(json(json), "/inputs");
        } catch (InvalidFieldException e) {
            return e.errors();
        }
        throw new AssertionError("expected an InvalidFieldException for " + json);
    }

    @Test
    void reads_the_example_of_the_protocol_doc() {
        Tensor t = TensorJson.read(json("{'name': 'x', 'dtype': 'float32', 'shape': [1, 3], 'data': [0.5, 1, -2]}"), "");
        assertThat(t).isEqualTo(Tensor.ofFloats("x", Shape.of(1, 3), 0.5f, 1f, -2f));
    }

    @Test
    void reads_and_writes_non_finite_floats_as_strings() {
        Tensor t = TensorJson.read(json("{'name':'x','dtype':'float64','shape':[3],'data':['NaN','Infinity','-Infinity']}"), "");
        assertThat(t.doubles()).containsExactly(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
        assertThat(TensorJson.write(t).get("data").toString()).isEqualTo("[\"NaN\",\"Infinity\",\"-Infinity\"]");
        Tensor f = TensorJson.read(json("{'name':'x','dtype':'float32','shape':[1],'data':['-Infinity']}"), "");
        assertThat(f.floats()).containsExactly(Float.NEGATIVE_INFINITY);
    }

    @Test
    void reads_int64_beyond_2_to_the_53_exactly_and_writes_it_as_a_number() {
        String text = "{\"name\":\"n\",\"dtype\":\"int64\",\"shape\":[3],\"data\":[9007199254740993,-9223372036854775808,9223372036854775807]}";
        Tensor t = TensorJson.read(json(text), "");
        assertThat(t.longs()).containsExactly((1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(TensorJson.write(t).toString()).isEqualTo(text);
    }

    @Test
    void reads_float16_from_numbers_rounding_to_nearest_even_and_writes_numbers() {
        Tensor t = TensorJson.read(json("{'name':'h','dtype':'float16','shape':[4],'data':[1.00048828125, 0.1, 65504, 'NaN']}"), "");
        // 1 + 2^-11 is a tie → 1.0 (even); 0.1 → 0x2e66; 65504 is the largest half
        assertThat(t.dataBytes()).containsExactly(0x00, 0x3c, 0x66, 0x2e, 0xff, 0x7b, 0x00, 0x7e);
        assertThat(TensorJson.write(t).get("data").toString()).isEqualTo("[1.0,0.099975586,65504.0,\"NaN\"]");
    }

    @Test
    void reads_float32_from_big_decimals_with_a_single_rounding() throws Exception {
        ObjectMapper exact = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        // 1 + 2^-24 + 2^-60: above the float tie by a hair that the double rounding loses
        String decimal = new java.math.BigDecimal(1).add(new java.math.BigDecimal(Math.scalb(1.0, -24)))
                .add(new java.math.BigDecimal(Math.scalb(1.0, -60))).toPlainString();
        JsonNode node = exact.readTree("{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[],\"data\":[" + decimal + "]}");
        assertThat(TensorJson.read(node, "").floats()).containsExactly(Math.nextUp(1f));
    }

    @Test
    void reads_bool_uint8_int8_and_string_tensors() {
        List<Tensor> ts = TensorJson.readList(json("[{'name':'b','dtype':'bool','shape':[2],'data':[true,false]},"
                + "{'name':'u','dtype':'uint8','shape':[2],'data':[0,255]},"
                + "{'name':'i','dtype':'int8','shape':[2],'data':[-128,127]},"
                + "{'name':'s','dtype':'string','shape':[2,1],'data':['ab','ü']}]"), "/inputs");
        assertThat(ts.get(0).bools()).containsExactly(true, false);
        assertThat(ts.get(1).dataBytes()).containsExactly(0, 255);
        assertThat(ts.get(2).dataBytes()).containsExactly(-128, 127);
        assertThat(ts.get(3).strings()).containsExactly("ab", "ü");
    }

    @Test
    void reads_the_compact_b64_form_as_little_endian_bytes() {
        // 1.0f, -2.0f little-endian: 0000803f 000000c0
        Tensor t = TensorJson.read(json("{'name':'x','dtype':'float32','shape':[2],'b64':'AACAPwAAAMA='}"), "");
        assertThat(t.floats()).containsExactly(1f, -2f);
        assertThat(TensorJson.writeCompact(t).get("b64").asText()).isEqualTo("AACAPwAAAMA=");
    }

    @Test
    void a_scalar_has_shape_empty_and_one_element() {
        Tensor t = TensorJson.read(json("{'name':'x','dtype':'int32','shape':[],'data':[7]}"), "");
        assertThat(t.shape().rank()).isZero();
        assertThat(t.ints()).containsExactly(7);
    }

    @Test
    void names_the_pointer_of_a_negative_dim() {
        assertThat(errors("[{'name':'x','dtype':'float32','shape':[2,-3],'data':[]}]"))
                .containsExactly(new FieldError("/inputs/0/shape/1", "must be an integer >= 0, got -3"));
    }

    @Test
    void names_the_pointer_and_counts_of_data_that_does_not_fill_the_shape() {
        assertThat(errors("[{'name':'x','dtype':'float32','shape':[2,3],'data':[1,2,3,4,5]}]"))
                .containsExactly(new FieldError("/inputs/0/data", "shape [2,3] needs 6 elements, got 5"));
        assertThat(errors("[{'name':'x','dtype':'float32','shape':[2],'b64':'AACAPw=='}]"))
                .containsExactly(new FieldError("/inputs/0/b64", "shape [2] of float32 needs 8 bytes, got 4"));
    }

    @Test
    void names_an_unknown_dtype_and_lists_the_known_ones() {
        assertThat(errors("[{'name':'x','dtype':'f32','shape':[1],'data':[1]}]")).containsExactly(new FieldError(
                "/inputs/0/dtype", "unknown dtype 'f32', expected one of float32, uint8, int8, int32, int64, string,"
                        + " bool, float16, float64"));
    }

    @Test
    void reports_every_bad_element_with_its_own_pointer() {
        assertThat(errors("[{'name':'x','dtype':'int32','shape':[4],'data':[1, 2.5, 'a', 3000000000]},"
                + "{'name':'y','dtype':'bool','shape':[1],'data':[1]}]")).containsExactly(
                new FieldError("/inputs/0/data/1", "must be an int32, an integer between -2147483648 and 2147483647, got 2.5"),
                new FieldError("/inputs/0/data/2", "must be an int32, an integer between -2147483648 and 2147483647, got 'a'"),
                new FieldError("/inputs/0/data/3",
                        "must be an int32, an integer between -2147483648 and 2147483647, got 3000000000"),
                new FieldError("/inputs/1/data/0", "must be true or false, got 1"));
    }

    @Test
    void refuses_finite_numbers_outside_the_float_range_instead_of_making_them_infinite() {
        assertThat(errors("[{'name':'x','dtype':'float32','shape':[1],'data':[1e39]}]")).containsExactly(
                new FieldError("/inputs/0/data/0", "must be within the float32 range (|x| <= 3.4028235e38), got 1.0E39"));
        assertThat(errors("[{'name':'x','dtype':'float16','shape':[1],'data':[70000]}]")).containsExactly(
                new FieldError("/inputs/0/data/0", "must be within the float16 range (|x| <= 65504), got 70000"));
        assertThat(errors("[{'name':'x','dtype':'float32','shape':[1],'data':['nan']}]")).containsExactly(
                new FieldError("/inputs/0/data/0",
                        "must be a float32 number or \"NaN\", \"Infinity\", \"-Infinity\", got 'nan'"));
    }

    @Test
    void reports_missing_and_mistyped_fields_together() {
        assertThat(errors("[{'dtype':7,'shape':'2'}, 5]")).containsExactly(
                new FieldError("/inputs/0/name", "is required"),
                new FieldError("/inputs/0/dtype", "must be a string, got 7"),
                new FieldError("/inputs/0/shape", "must be an array of integers >= 0, got '2'"),
                new FieldError("/inputs/0/data", "is required (or \"b64\")"),
                new FieldError("/inputs/1", "must be a tensor object, got 5"));
    }

    @Test
    void refuses_both_data_and_b64_and_b64_for_strings() {
        assertThat(errors("[{'name':'x','dtype':'uint8','shape':[1],'data':[1],'b64':'AQ=='}]"))
                .containsExactly(new FieldError("/inputs/0", "must have either \"data\" or \"b64\", not both"));
        assertThat(errors("[{'name':'x','dtype':'string','shape':[1],'b64':'AQ=='}]"))
                .containsExactly(new FieldError("/inputs/0/b64", "is not allowed for string tensors, use \"data\""));
        assertThat(errors("[{'name':'x','dtype':'bool','shape':[1],'b64':'Ag=='}]"))
                .containsExactly(new FieldError("/inputs/0/b64", "bool byte 0 must be 0 or 1, got 2"));
    }

    @Test
    void refuses_a_b64_shape_too_large_for_a_request_without_allocating_it() {
        assertThat(errors("[{'name':'x','dtype':'float64','shape':[1000000000000],'b64':'AQ=='}]")).containsExactly(
                new FieldError("/inputs/0/b64", "shape [1000000000000] has too many elements for one request"));
    }

    @Test
    void refuses_strings_with_unpaired_surrogates() {
        assertThat(errors("[{'name':'x\\ud800','dtype':'string','shape':[2],'data':['ok','\\udc00']}]")).containsExactly(
                new FieldError("/inputs/0/name", "must be valid Unicode, got an unpaired surrogate"));
        assertThat(errors("[{'name':'x','dtype':'string','shape':[2],'data':['ok','\\udc00']}]")).containsExactly(
                new FieldError("/inputs/0/data/1", "must be valid Unicode, got an unpaired surrogate"));
    }

    @Test
    void refuses_duplicate_names_pointing_at_both() {
        assertThat(errors("[{'name':'x','dtype':'uint8','shape':[1],'data':[1]},{'name':'x','dtype':'uint8','shape':[1],'data':[2]}]"))
                .containsExactly(new FieldError("/inputs/1/name", "duplicate tensor name 'x', also at /inputs/0"));
    }

    @Test
    void refuses_a_non_array_list_and_caps_the_number_of_errors() {
        assertThat(errors("{}")).containsExactly(new FieldError("/inputs", "must be an array of tensors, got {}"));
        StringBuilder many = new StringBuilder("[{'name':'x','dtype':'bool','shape':[100],'data':[");
        for (int i = 0; i < 100; i++) many.append(i == 0 ? "" : ",").append("0");
        List<FieldError> errors = errors(many.append("]}]").toString());
        assertThat(errors).hasSize(FieldErrors.MAX + 1);
        assertThat(errors.getLast()).isEqualTo(new FieldError("", "80 more errors not shown"));
    }

    @Test
    void the_exception_message_lists_every_pointer() {
        assertThatThrownBy(() -> TensorJson.read(json("{'name':'','dtype':'int8','shape':[1],'data':[200]}"), "/outputs/2"))
                .isInstanceOf(InvalidFieldException.class)
                .hasMessage("/outputs/2/name: must not be empty");
    }

    @Test
    void the_streaming_writer_writes_what_the_tree_writer_writes() throws Exception {
        Tensor t = Tensor.ofFloats("x", Shape.of(2, 2), 0.1f, Float.NaN, -0f, 3e38f);
        StringWriter out = new StringWriter();
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            TensorJson.write(g, t);
        }
        assertThat(out.toString()).isEqualTo(TensorJson.write(t).toString())
                .isEqualTo("{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[2,2],\"data\":[0.1,\"NaN\",-0.0,3.0E38]}");
    }
}
