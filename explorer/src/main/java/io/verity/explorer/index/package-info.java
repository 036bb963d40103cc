/** Following the chain: the indexer that reads contract events and batch documents into the explorer's database. */
package io.verity.explorer.index;
