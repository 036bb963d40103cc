/** GGUF files: reading the metadata a node checks before serving, and writing the generated tiny test model. */
package io.verity.llm.gguf;
