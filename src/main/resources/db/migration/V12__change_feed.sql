-- The change feed (ChangeFeed): which profiles changed, written by triggers on the tables an export reads, so a rerun
-- of the export compares those profiles with its sync state instead of every profile.
create table profile_change (
    -- the writing transaction: a run takes what transactions from its last complete run's oldest open one on wrote
    xid         xid8   not null default pg_current_xact_id(),
    -- null: anything may have changed (a table truncated, a segment renamed): the next run compares everything
    profile_id  bigint
);
create index profile_change_xid on profile_change (xid);

-- per export: where its last complete run began reading the feed (since), and with which fingerprint (mapping, list, rules)
create table export_feed (
    export_id    text primary key,
    fingerprint  text        not null,
    since        xid8        not null,
    run_id       bigint      not null,
    -- when a complete run last compared every profile (exports.full-compare-after)
    compared_all timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);

-- the rows a run compares besides the feed's: those its sync state has not delivered (few, so a small index)
create index sync_state_undelivered on sync_state (export_id) where hash is null or failures > 0;

-- the profiles a run compared (null: every one, the feed unused)
alter table export_run add column profiles_compared bigint;

-- the triggers that write the feed are on the customer's tables: installed by a DBA (feed install, ChangeFeedInstall),
-- calling profile_changed() (V17__feed_function.sql)
