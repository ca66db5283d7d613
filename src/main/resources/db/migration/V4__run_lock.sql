-- At most one active run per Brevo list of an account (two exports writing one list would undo each other's
-- removals), across threads and servers sharing the database: a unique index, not a JVM lock.
alter table export_run
    add column connection  text,
    add column list_id     bigint;
drop index export_run_active;
create unique index export_run_active on export_run (connection, list_id) where status in ('queued', 'running');

-- DELETE /api/exports/{id}/runs/{runId}: the run stops after the batch in flight, whichever server runs it
alter table export_run add column cancel_requested boolean not null default false;
