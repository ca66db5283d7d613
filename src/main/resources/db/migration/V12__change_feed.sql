-- The change feed (ChangeFeed): which profiles changed, written by the tables of the default query themselves, so a
-- rerun of an export on that query compares those profiles with its sync state instead of every profile.
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

-- the key a run looks addresses up by (Normalise.emailKeySql, its padding): who else has a changed profile's address
create index profile_email_key on profile ((nullif(lower(btrim(email, E' \t\r\n\u000B\f\u00A0\u2007\u202F\u200B\u200C\u200D\u2060\uFEFF')), '') collate "C"));

-- statement triggers (one insert per statement, not per row); an update records the old and the new id
create function profile_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'TRUNCATE' or tg_table_name = 'segment' then
        insert into profile_change (profile_id) values (null);
    elsif tg_op = 'INSERT' then
        execute format('insert into profile_change (profile_id) select %I from new_rows', tg_argv[0]);
    elsif tg_op = 'DELETE' then
        execute format('insert into profile_change (profile_id) select %I from old_rows', tg_argv[0]);
    else
        execute format('insert into profile_change (profile_id) select %1$I from new_rows union select %1$I from old_rows', tg_argv[0]);
    end if;
    return null;
end $$;

-- on profile (its id) and segment_member (its profile_id): <table>_inserted, _updated, _deleted, _truncated
do $$
declare
    t record;
begin
    for t in select * from (values ('profile', 'id'), ('segment_member', 'profile_id')) as v (name, id) loop
        execute format('create trigger %1$s_inserted after insert on %1$I referencing new table as new_rows
            for each statement execute function profile_changed(%2$L)', t.name, t.id);
        execute format('create trigger %1$s_updated after update on %1$I referencing old table as old_rows new table as new_rows
            for each statement execute function profile_changed(%2$L)', t.name, t.id);
        execute format('create trigger %1$s_deleted after delete on %1$I referencing old table as old_rows
            for each statement execute function profile_changed(%2$L)', t.name, t.id);
        execute format('create trigger %1$s_truncated after truncate on %1$I for each statement execute function profile_changed()', t.name);
    end loop;
end $$;

-- a segment renamed or deleted changes who is in an export's segments (a deletion also deletes its members)
create trigger segment_changed after update or delete or truncate on segment for each statement execute function profile_changed();
