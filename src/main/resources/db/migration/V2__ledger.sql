-- The run ledger: one row per run, one per batch sent to Brevo, one per row that was not delivered.
create table export_run (
    id              bigserial primary key,
    export_id       text        not null,
    trigger         text        not null,
    status          text        not null,
    created_at      timestamptz not null default now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    rows_read       bigint      not null default 0,
    rows_sent       bigint      not null default 0,
    rows_delivered  bigint      not null default 0,
    rows_rejected   bigint      not null default 0,
    rows_failed     bigint      not null default 0,
    batches         int         not null default 0,
    batches_failed  int         not null default 0,
    invalid_emails  int         not null default 0,
    duplicates      int         not null default 0,
    message         text
);
create index export_run_export on export_run (export_id, id desc);
-- at most one active run per export, across threads and processes sharing the database
create unique index export_run_active on export_run (export_id) where status in ('queued', 'running');

create table export_batch (
    run_id       bigint  not null references export_run (id) on delete cascade,
    batch_no     int     not null,
    row_count    int     not null,
    bytes        int     not null,
    process_id   bigint,
    status       text    not null,
    error        text,
    profile_ids  text[]  not null,
    emails       text[]  not null,
    primary key (run_id, batch_no)
);

create table export_row (
    run_id      bigint not null references export_run (id) on delete cascade,
    profile_id  text,
    email       text,
    outcome     text   not null,
    reason      text   not null,
    created_at  timestamptz not null default now()
);
create index export_row_run on export_row (run_id, outcome);
