/** Which JSON schemas a constrained request may carry: the subset llama.cpp's grammar converter handles, bounded. */
package io.verity.llm.schema;
