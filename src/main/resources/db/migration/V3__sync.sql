-- Incremental sync: what each export last delivered per profile, so a run sends only what changed and unlinks who left.
create table sync_state (
    export_id    text        not null,
    profile_id   text        not null,
    -- the address in the Brevo list for this profile; null when nothing of it is in the list
    email        text,
    -- 64-bit hash of the export's fingerprint and the profile's source row as last delivered; null until delivered
    hash         bigint,
    -- failed deliveries of the row as it is now (failed_hash); reset by a delivery
    failures     int         not null default 0,
    failed_hash  bigint,
    last_error   text,
    updated_at   timestamptz not null default now(),
    primary key (export_id, profile_id)
);

-- a run's counts, in the words of the run report
alter table export_run
    add column full_resync     boolean not null default false,
    add column members_before  bigint  not null default 0,
    add column rows_added      bigint  not null default 0,
    add column rows_updated    bigint  not null default 0,
    add column rows_unchanged  bigint  not null default 0,
    add column rows_removed    bigint  not null default 0,
    add column rows_dead       bigint  not null default 0;
-- a run that stopped before removing is finished but still owes a decision
create index export_run_confirmation on export_run (export_id) where status = 'needs_confirmation';

-- per row of a batch: add or update, and the hash that is the profile's state once Brevo has it
alter table export_batch
    add column adds     int    not null default 0,
    add column actions  text[] not null default '{}',
    add column hashes   bigint[] not null default '{}',
    add column created_at timestamptz not null default now();

-- every row that was not simply delivered: rejected, failed, dead, and every removal with its outcome
alter table export_row
    add column id        bigserial primary key,
    add column action    text not null default 'add',
    add column code      text,
    add column attempts  int  not null default 0;
alter table export_row alter column reason drop not null;
create index export_row_pending on export_row (run_id, id) where outcome = 'pending';
create index export_run_finished on export_run (finished_at);
