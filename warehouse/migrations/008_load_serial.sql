-- Schema version 8: loads from several processes or machines at once (DuckLake).
-- Every load's transaction updates this one row: the store lets only one of two loads that
-- commit at the same moment through, and the other is run again against its rows
-- (`warehouse.db.committed`), so de-duplication always sees every article committed before.
CREATE TABLE load_serial (
    loads BIGINT NOT NULL
);
INSERT INTO load_serial VALUES (0);
