package io.verity.explorer;

import io.verity.explorer.fixture.PostgresCluster;
import java.util.Optional;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15: the explorer's PostgreSQL mode had never met a PostgreSQL server. Every {@link IndexerIT} test
 * (indexing, restart without gaps or duplicates, reorgs, the pages) again, each on a fresh database of a real
 * PostgreSQL server the test starts and stops.
 */
class PostgresIndexerIT extends IndexerIT {
    @RegisterExtension static final PostgresCluster postgres = new PostgresCluster();

    @Override
    Optional<String> newDatabase() {
        return Optional.of(postgres.newDatabase());
    }
}
