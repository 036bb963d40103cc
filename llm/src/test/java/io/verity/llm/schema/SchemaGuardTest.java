package io.verity.llm.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.llm.schema.SchemaGuard;
import io.verity.protocol.json.InvalidFieldException;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13, items 1 and 2: schemas llama.cpp's converter cannot turn into a grammar aborted the worker, and huge
 * bounds exhausted the host's memory. {@link SchemaGuard} admits only what converts, within bounds.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SchemaGuardTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String AT = "response_format.json_schema.schema";

    static InvalidFieldException refusal(String schema) throws Exception {
        JsonNode s = JSON.readTree(schema);
        InvalidFieldException e = catchThrowableOfType(InvalidFieldException.class, () -> SchemaGuard.check(s, AT));
        assertThat(e).as(schema).isNotNull();
        return e;
    }

    static String pointer(String schema) throws Exception {
        return refusal(schema).errors().get(0).pointer();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"],\"additionalProperties\":false}",
        "{\"type\":\"string\"}", "{\"type\":\"integer\",\"minimum\":0,\"maximum\":100}", "{}",
        "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":6},\"minItems\":1,\"maxItems\":3}",
        "{\"type\":[\"string\",\"null\"]}", "{\"enum\":[\"a\",1,null,{\"x\":[true]}]}", "{\"const\":\"yes\"}",
        "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]}", "{\"oneOf\":[{\"$ref\":\"#/$defs/a\"}],\"$defs\":{\"a\":{\"type\":\"null\"}}}",
        "{\"$ref\":\"#/definitions/p\",\"definitions\":{\"p\":{\"type\":\"object\",\"properties\":{\"q\":{\"$ref\":\"#/definitions/q\"}}},"
                + "\"q\":{\"type\":\"string\"}}}",
        "{\"allOf\":[{\"properties\":{\"a\":{\"type\":\"string\"}}},{\"anyOf\":[{\"properties\":{\"b\":{\"type\":\"integer\"}}}]}]}",
        "{\"type\":\"string\",\"pattern\":\"^[A-Z][a-z]+(-[a-z]+)*$\"}", "{\"type\":\"string\",\"pattern\":\"^\\\\(a?$\"}",
        "{\"type\":\"string\",\"pattern\":\"^(ab|c){2,5}x?y+[^\\\\]\\\\\\\\]$\"}", "{\"type\":\"string\",\"pattern\":\"^$\"}",
        "{\"type\":\"string\",\"format\":\"date-time\"}", "{\"type\":\"string\",\"format\":\"uuid\"}",
        "{\"type\":\"string\",\"format\":\"email\"}", "{\"type\":\"number\",\"minimum\":0.5}",
        "{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
        "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}",
        "{\"type\":\"object\",\"description\":\"anything\",\"title\":\"x\"}",
        "{\"type\":\"string\",\"minLength\":4096}", "{\"type\":\"string\",\"pattern\":\"^[é]+x$\"}",
        "{\"enum\":[\"a\\\\b\",\"é\"]}"})
    void admits_schemas_the_converter_handles(String schema) {
        assertThatCode(() -> SchemaGuard.check(JSON.readTree(schema), AT)).doesNotThrowAnyException();
    }

    @Test
    void the_issues_examples_are_refused_naming_the_field() throws Exception {
        InvalidFieldException e = refusal("{\"type\":\"nonsense\"}");
        assertThat(e.errors().get(0).pointer()).isEqualTo(AT + ".type");
        assertThat(e.errors().get(0).detail()).contains("must be one of [array, boolean, integer, null, number, object, string]",
                "\"nonsense\"");
        assertThat(pointer("{\"type\":\"string\",\"minLength\":2000000000}")).isEqualTo(AT + ".minLength");
        assertThat(refusal("{\"type\":\"string\",\"minLength\":2000000000}").getMessage()).contains("between 0 and 4096");
        assertThat(pointer("{\"$ref\":\"#/$defs/missing\"}")).isEqualTo(AT + ".$ref");
        assertThat(refusal("{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}}}").getMessage())
                .contains("recursive reference #/$defs/a -> #/$defs/a");
        assertThat(pointer("{\"type\":\"string\",\"pattern\":\"^(ab$\"}")).isEqualTo(AT + ".pattern");
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", value = {
        "{\"type\":5} => .type",
        "{\"type\":[]} => .type",
        "{\"type\":[\"string\",\"string\"]} => .type[1]",
        "{\"type\":[\"string\",\"value\"]} => .type[1]",
        "{\"type\":\"char\"} => .type",
        "{\"description\":\"no type\"} => ",
        "{\"minLength\":3} => ",
        "{\"type\":\"string\",\"maxLength\":-1} => .maxLength",
        "{\"type\":\"string\",\"maxLength\":\"10\"} => .maxLength",
        "{\"type\":\"string\",\"maxLength\":1.5} => .maxLength",
        "{\"type\":\"string\",\"minLength\":5,\"maxLength\":2} => .minLength",
        "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":100000} => .minItems",
        "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":1e12} => .maxItems",
        "{\"type\":\"array\",\"items\":5} => .items",
        "{\"type\":\"array\",\"items\":true} => .items",
        "{\"type\":\"array\",\"items\":[]} => .items",
        "{\"type\":\"integer\",\"minimum\":1e20} => .minimum",
        "{\"type\":\"integer\",\"minimum\":\"0\"} => .minimum",
        "{\"type\":\"integer\",\"minimum\":0.5} => .minimum",
        "{\"type\":\"integer\",\"minimum\":10,\"maximum\":2} => ",
        "{\"type\":\"integer\",\"exclusiveMinimum\":2,\"exclusiveMaximum\":3} => ",
        "{\"format\":7} => .format",
        "{\"oneOf\":{}} => .oneOf",
        "{\"anyOf\":[]} => .anyOf",
        "{\"anyOf\":[1]} => .anyOf[0]",
        "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"nope\"}]} => .anyOf[1].type",
        "{\"enum\":[]} => .enum",
        "{\"enum\":\"a\"} => .enum",
        "{\"const\":\"bell\\b\"} => .const",
        "{\"const\":\"say \\\"hi\\\"\"} => .const",
        "{\"enum\":[\"a\",{\"k\":[\"q\\\"\"]}]} => .enum[1].k[0]",
        "{\"type\":\"string\",\"pattern\":\"^é+$\"} => .pattern",
        "{\"type\":\"object\",\"properties\":[]} => .properties",
        "{\"type\":\"object\",\"properties\":{\"a\":5}} => .properties.a",
        "{\"type\":\"object\",\"properties\":{\"a]\":{}}} => .properties",
        "{\"type\":\"object\",\"properties\":{\"\":{}}} => .properties",
        "{\"type\":\"object\",\"properties\":{\"é\":{}}} => .properties",
        "{\"type\":\"object\",\"properties\":{\"a\":{}},\"required\":\"a\"} => .required",
        "{\"type\":\"object\",\"properties\":{\"a\":{}},\"required\":[1]} => .required[0]",
        "{\"type\":\"object\",\"additionalProperties\":1} => .additionalProperties",
        "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"x\"}} => .additionalProperties.type",
        "{\"allOf\":{}} => .allOf",
        "{\"allOf\":[3]} => .allOf[0]",
        "{\"allOf\":[{\"properties\":{\"a\":{\"type\":1}}}]} => .allOf[0].properties.a.type",
        "{\"$ref\":5} => .$ref",
        "{\"$ref\":\"https://example.com/s.json\"} => .$ref",
        "{\"$ref\":\"#\"} => .$ref",
        "{\"$ref\":\"#/properties/a\"} => .$ref",
        "{\"$ref\":\"#/$defs/a/b\",\"$defs\":{\"a\":{\"b\":{}}}} => .$ref",
        "{\"type\":\"object\",\"properties\":{\"$ref\":{\"type\":\"string\"}}} => .properties.$ref",
        "{\"const\":{\"$ref\":1}} => .const.$ref",
        "{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":5}} => .$defs.a",
        "{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{\"anyOf\":[{\"$ref\":\"#/$defs/b\"}]},\"b\":{\"items\":{\"$ref\":\"#/$defs/a\"}}}} => .$ref",
        "{\"type\":\"string\",\"pattern\":5} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"abc\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^abc\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^*a$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^{2}$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a|*$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a**$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^(a*)*$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^(a|)+$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^()$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^(?:a)$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a)$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^[abc$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^[]$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a{99999}$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a{99999999999}$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a{x}$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a{5,2}$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a{2$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^\\\\d+\\\\.\\\\d+$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^[\\\\d]$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a\\\\$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a^b$\"} => .pattern",
        "{\"type\":\"string\",\"pattern\":\"^a\\nb$\"} => .pattern"})
    void refuses_what_llama_cpp_cannot_convert_naming_the_field(String schema, String field) throws Exception {
        assertThat(pointer(schema)).isEqualTo(AT + (field == null ? "" : field));
    }

    @Test
    void refuses_schemas_beyond_the_size_and_depth_bounds() throws Exception {
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 40; i++) deep.append("{\"type\":\"array\",\"items\":");
        deep.append("{\"type\":\"string\"}").append("}".repeat(40));
        assertThat(refusal(deep.toString()).getMessage()).contains("nests deeper than 32 levels");
        StringBuilder wide = new StringBuilder("{\"enum\":[0");
        for (int i = 1; i < 5000; i++) wide.append(',').append(i);
        assertThat(refusal(wide.append("]}").toString()).getMessage()).contains("more than 4096 values");
        SchemaGuard.Limits small = new SchemaGuard.Limits(4096, 32, 10, 8);
        JsonNode s = JSON.readTree("{\"type\":\"string\",\"maxLength\":11}");
        assertThat(catchThrowableOfType(InvalidFieldException.class, () -> SchemaGuard.check(s, AT, s, small)).getMessage())
                .contains("between 0 and 10");
        JsonNode p = JSON.readTree("{\"type\":\"string\",\"pattern\":\"^abcdefgh$\"}");
        assertThat(catchThrowableOfType(InvalidFieldException.class, () -> SchemaGuard.check(p, AT, p, small)).getMessage())
                .contains("at most 8 characters");
    }

    @Test
    void a_diamond_of_shared_definitions_is_checked_once_not_exponentially() throws Exception {
        StringBuilder defs = new StringBuilder("{\"$ref\":\"#/$defs/d0\",\"$defs\":{");
        for (int i = 0; i < 40; i++) {
            defs.append("\"d").append(i).append("\":{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/d").append(i + 1)
                    .append("\"},\"b\":{\"$ref\":\"#/$defs/d").append(i + 1).append("\"}}},");
        }
        defs.append("\"d40\":{\"type\":\"string\"}}}");
        assertThatCode(() -> SchemaGuard.check(JSON.readTree(defs.toString()), AT)).doesNotThrowAnyException();
    }

    @Test
    void tool_parameters_embedded_elsewhere_cannot_reference_their_own_defs() throws Exception {
        JsonNode params = JSON.readTree("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/x\"}},\"$defs\":{\"x\":{}}}");
        InvalidFieldException e = catchThrowableOfType(InvalidFieldException.class,
                () -> SchemaGuard.check(params, "tools[0].function.parameters", null, SchemaGuard.Limits.DEFAULT));
        assertThat(e.errors().get(0).pointer()).isEqualTo("tools[0].function.parameters.properties.a.$ref");
    }

    @Test
    void the_fuzzing_entry_reads_strictly_and_throws_only_invalid_field() {
        assertThatCode(() -> SchemaGuard.validate("{\"type\":\"string\"}")).doesNotThrowAnyException();
        for (String s : new String[] {"", "{", "{\"type\":\"string\"} x", "{\"type\":\"a\",\"type\":\"b\"}", "\"\\ud800\"", "[]", "null"}) {
            assertThatCode(() -> {
                try {
                    SchemaGuard.validate(s);
                } catch (InvalidFieldException expected) {
                    // the only allowed failure
                }
            }).as(s).doesNotThrowAnyException();
        }
    }
}
