-- Addresses an export put in its list that must leave it, kept until Brevo confirms each out (or it is wanted again):
-- the old address of a changed email, a withdrawn consent, a skipped identifier conflict. Every later run unlinks what
-- is owed here, so a failed unlink, a crash or a discarded confirmation never leaves a stale contact behind.
-- (A profile that left the segments stays in sync_state until it is unlinked: it needs no row here.)
create table pending_unlink (
    export_id   text        not null,
    email       text        not null,
    profile_id  text,
    -- the run that first owed it, and what went wrong since
    since_run   bigint,
    attempts    int         not null default 0,
    last_error  text,
    created_at  timestamptz not null default now(),
    primary key (export_id, email)
);

-- a run's unlinks of addresses other than leavers' (old addresses, consent, conflicts, reconciliation), and what is
-- still owed once it ended
alter table export_run
    add column rows_unlinked bigint not null default 0,
    add column unlinks_owed  bigint not null default 0,
    -- the server (node) that ran it
    add column node          text,
    -- the run failed for a reason that may pass (the database out of reach): failed, not failed_permanent
    add column failure_retryable boolean not null default false;

-- Reconciliation (README "Reconciliation"): the members of a list as Brevo answered them, while they are compared
-- with what the export delivered; and what a reconciling run found.
create table list_snapshot (
    snapshot bigint not null,
    email    text   not null
);
create index list_snapshot_email on list_snapshot (snapshot, email);
create sequence list_snapshot_id;
alter table export_run
    add column list_members  bigint,
    add column drift_missing bigint,
    add column drift_owed    bigint,
    add column drift_foreign bigint;
