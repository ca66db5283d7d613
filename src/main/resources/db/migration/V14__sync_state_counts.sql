-- How many sync state rows and delivered addresses each export has, kept by statement triggers: every run asked it
-- of the table (a count over the export's rows, 0.1-0.5 s at 1,000,000: most of a rerun that finds nothing changed).
create table sync_state_count (
    export_id text collate "C" primary key,
    rows      bigint not null,
    members   bigint not null
);
insert into sync_state_count (export_id, rows, members) select export_id, count(*), count(email) from sync_state group by export_id;

create function sync_state_counted() returns trigger language plpgsql as $$
declare
    delta text;
begin
    if tg_op = 'TRUNCATE' then
        delete from sync_state_count;
        return null;
    elsif tg_op = 'INSERT' then
        delta := 'select export_id, count(*) as n, count(email) as m from new_rows group by export_id';
    elsif tg_op = 'DELETE' then
        delta := 'select export_id, -count(*) as n, -count(email) as m from old_rows group by export_id';
    else
        delta := 'select export_id, sum(n) as n, sum(m) as m from (select export_id, 1 as n, (email is not null)::int as m from new_rows
            union all select export_id, -1, -(email is not null)::int from old_rows) d group by export_id';
    end if;
    execute 'insert into sync_state_count as c (export_id, rows, members) select export_id, n, m from (' || delta || ') d
        on conflict (export_id) do update set rows = c.rows + excluded.rows, members = c.members + excluded.members';
    return null;
end $$;

create trigger sync_state_inserted after insert on sync_state referencing new table as new_rows
    for each statement execute function sync_state_counted();
create trigger sync_state_updated after update on sync_state referencing old table as old_rows new table as new_rows
    for each statement execute function sync_state_counted();
create trigger sync_state_deleted after delete on sync_state referencing old table as old_rows
    for each statement execute function sync_state_counted();
create trigger sync_state_truncated after truncate on sync_state for each statement execute function sync_state_counted();
