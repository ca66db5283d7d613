-- What Brevo tells back since 2026-04: a completed import links to CSV reports of the rows it did not take.

-- a row Brevo refused as it is (failed_hash): its reason; the row is not sent again until it changes
alter table sync_state add column refused text;

-- the rows of a completed batch Brevo refused (their hash in hashes is then null): not delivered, not counted so
alter table export_batch
    add column refused      int not null default 0,
    add column refused_adds int not null default 0;

-- what a run could not learn from Brevo (a report that could not be read), for its report
alter table export_run add column warnings text;
