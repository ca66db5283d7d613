-- What Brevo tells back since 2026-04: a completed import links to CSV reports of the rows it did not take.

-- a row Brevo refused as it is (failed_hash): its reason; the row is not sent again until it changes
alter table sync_state add column refused text;

-- the rows of a completed batch Brevo refused (their hash in hashes is then null): not delivered, not counted so
alter table export_batch
    add column refused      int not null default 0,
    add column refused_adds int not null default 0;

-- what a run could not learn from Brevo (a report that could not be read), for its report
alter table export_run add column warnings text;

-- a refused row is no delivered profile: sync_state_count.rows (what a run counts as unchanged unless it reads it)
-- leaves it out, as its rejection stands for it instead
create or replace function sync_state_counted() returns trigger language plpgsql as $$
declare
    delta text;
begin
    if tg_op = 'TRUNCATE' then
        delete from sync_state_count;
        return null;
    elsif tg_op = 'INSERT' then
        delta := 'select export_id, count(*) filter (where refused is null) as n, count(email) as m from new_rows group by export_id';
    elsif tg_op = 'DELETE' then
        delta := 'select export_id, -count(*) filter (where refused is null) as n, -count(email) as m from old_rows group by export_id';
    else
        delta := 'select export_id, sum(n) as n, sum(m) as m from (select export_id, (refused is null)::int as n, (email is not null)::int as m from new_rows
            union all select export_id, -(refused is null)::int, -(email is not null)::int from old_rows) d group by export_id';
    end if;
    execute 'insert into sync_state_count as c (export_id, rows, members) select export_id, n, m from (' || delta || ') d
        on conflict (export_id) do update set rows = c.rows + excluded.rows, members = c.members + excluded.members';
    return null;
end $$;
